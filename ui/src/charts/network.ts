// The network around a party (cytoscape.js): payers and receivers up to two
// hops, as GET /v1/parties/{id} gives it. Nodes are sized by the money
// through them and coloured by their highest alert score; the subject sits
// in the middle, each hop a ring around it (concentric layout: a ring of
// customers around one facilitator and its alias accounts shows as such,
// and stays readable at 300 nodes). Click a node to see it, "Open" to go
// to it, "Expand" to add its own network.

import cytoscape from "cytoscape";
import { api, NetworkLink, NetworkParty, Party } from "../api";
import { flash, h, money, replace, score } from "../dom";
import { scoreColour } from "./palette";
import { errorText } from "../app";

const usd = (totals: Record<string, number>) => Object.values(totals).reduce((a, b) => a + b, 0);

export function network(party: Party, open: (id: string) => void): HTMLElement {
  const graph = h("div", { class: "network", "data-testid": "network", role: "img" });
  const info = h("div", { class: "node-info", "aria-live": "polite" }, "Click a party to see it.");
  const box = h("div", { class: "network-box" }, graph, info);
  const parties = new Map<string, NetworkParty>();
  const links = new Map<string, NetworkLink>();
  const add = (ps: NetworkParty[], ls: NetworkLink[]) => {
    for (const p of ps) {
      const had = parties.get(p.id);
      if (!had || had.hops > p.hops) parties.set(p.id, p);
    }
    for (const l of ls) links.set(`${l.sender}→${l.receiver}`, l);
  };
  add(party.network.parties, party.network.links);
  graph.setAttribute(
    "aria-label",
    `network of ${parties.size} parties and ${links.size} payment links around ${party.id}`,
  );

  const flow = (id: string) => {
    let s = 0;
    for (const l of links.values()) if (l.sender === id || l.receiver === id) s += usd(l.totals);
    return s;
  };
  const elements = (): cytoscape.ElementDefinition[] => {
    const max = Math.max(1, ...[...parties.keys()].map(flow));
    return [
      ...[...parties.values()].map((p) => {
        const top = p.alerts.length ? Math.max(...p.alerts.map((a) => a.score)) : null;
        return {
          data: {
            id: p.id,
            label: p.id,
            hops: p.hops,
            colour: scoreColour(top),
            size: 14 + 36 * Math.sqrt(flow(p.id) / max),
            subject: p.id === party.id ? 1 : 0,
          },
        };
      }),
      ...[...links.values()]
        .filter((l) => parties.has(l.sender) && parties.has(l.receiver))
        .map((l) => ({
          data: {
            id: `${l.sender}→${l.receiver}`,
            source: l.sender,
            target: l.receiver,
            width: 1 + Math.min(6, Math.log2(1 + l.payments)),
          },
        })),
    ];
  };

  let cy: cytoscape.Core | null = null;
  const layout = () =>
    cy!
      .layout({
        name: "concentric",
        concentric: (n: cytoscape.NodeSingular) => 10 - Number(n.data("hops")),
        levelWidth: () => 1,
        minNodeSpacing: 6,
        animate: false,
      })
      .run();

  const show = (id: string) => {
    const p = parties.get(id);
    if (!p) return;
    const top = p.alerts.length ? Math.max(...p.alerts.map((a) => a.score)) : null;
    const mine = [...links.values()].filter((l) => l.sender === id || l.receiver === id);
    replace(
      info,
      h("h3", {}, p.name, " ", h("span", { class: "muted" }, `(${p.id}, ${p.country})`)),
      h("p", {}, `${p.hops} hop${p.hops === 1 ? "" : "s"} away · `, top === null ? "no alert" : `highest alert score ${score(top)}`),
      h("p", {}, `${mine.reduce((a, l) => a + l.payments, 0)} payments in this network: `, money(
        mine.reduce((t, l) => {
          for (const [c, v] of Object.entries(l.totals)) t[c] = (t[c] ?? 0) + v;
          return t;
        }, {} as Record<string, number>),
      )),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", onclick: () => open(p.id) }, "Open"),
        h(
          "button",
          {
            type: "button",
            onclick: async () => {
              try {
                const more = await api.party(p.id);
                add(
                  more.network.parties.map((q) => ({ ...q, hops: q.hops + p.hops })),
                  more.network.links,
                );
                cy!.json({ elements: elements() });
                layout();
              } catch (e) {
                flash(errorText(e));
              }
            },
          },
          "Expand",
        ),
      ),
    );
  };

  requestAnimationFrame(() => {
    cy = cytoscape({
      container: graph,
      elements: elements(),
      wheelSensitivity: 0.3,
      style: [
        {
          selector: "node",
          style: {
            "background-color": "data(colour)",
            width: "data(size)",
            height: "data(size)",
            label: "data(label)",
            "font-size": 9,
            color: "#1b1f23",
            "text-valign": "bottom",
            "text-margin-y": 2,
            "border-width": 1,
            "border-color": "#39424a",
          },
        },
        { selector: "node[subject = 1]", style: { "border-width": 4, "border-color": "#111", "font-weight": "bold" } },
        { selector: "node:selected", style: { "border-width": 4, "border-color": "#0072B2" } },
        {
          selector: "edge",
          style: {
            width: "data(width)",
            "line-color": "#8c98a4",
            "target-arrow-color": "#8c98a4",
            "target-arrow-shape": "triangle",
            "curve-style": "straight",
            "arrow-scale": 0.7,
          },
        },
      ],
    });
    layout();
    cy.on("tap", "node", (e) => show(e.target.id()));
    cy.on("dbltap", "node", (e) => open(e.target.id()));
  });
  if (party.network.truncated) {
    box.append(h("p", { class: "help" }, "Farther parties were left out at the server's limit."));
  }
  return box;
}
