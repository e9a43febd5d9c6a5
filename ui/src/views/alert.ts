// An alert: the explanation first (each indicator's contribution, in the
// sentence spur writes, with its share of the score), the relationship
// context that weighed it down, then the party's facts, timeline, network
// and the evidence payments.

import { Alert, api } from "../api";
import { act, canAct, Ctx } from "../app";
import { h, score, utc, words } from "../dom";
import { facts, paymentTable, pictures } from "./sections";

export function explanation(a: Alert): HTMLElement {
  return h(
    "section",
    { class: "explanation", "aria-labelledby": `why-${a.id}`, "data-testid": "explanation" },
    h("h2", { id: `why-${a.id}` }, "Why spur raised it"),
    h(
      "ol",
      { class: "findings" },
      a.indicators.map((f) =>
        h(
          "li",
          {},
          h(
            "div",
            { class: "finding-head" },
            h("span", { class: "code" }, f.code),
            h("span", { class: "weight", title: "its part of the score" }, `+${f.contribution.toFixed(3)}`),
            h("meter", { min: 0, max: a.score || 1, value: f.contribution, "aria-label": `${f.code} share of the score` }),
          ),
          h("p", {}, f.reason),
          f.parties.length ? h("p", { class: "muted" }, "With: ", f.parties.join(", ")) : null,
        ),
      ),
    ),
    a.context.length
      ? h("div", { class: "context" }, h("h3", {}, "Context that weighed it down"), h("ul", {}, a.context.map((c) => h("li", {}, c))))
      : null,
  );
}

export async function alertPage(ctx: Ctx, id: number): Promise<HTMLElement> {
  const detail = await api.alert(id);
  const a = detail.alert;
  const party = await api.party(a.subject, a.role);
  const cased = a.case_id
    ? h("a", { class: "button", href: `#/case/${a.case_id}` }, `Case #${a.case_id}`)
    : canAct(ctx.me) && a.status === "new"
      ? h(
          "button",
          {
            type: "button",
            class: "primary",
            id: "open-case",
            onclick: () =>
              act(async () => {
                const c = await api.openCase(a.id);
                ctx.go(`#/case/${c.id}`);
              }),
          },
          "Open a case",
        )
      : null;
  return h(
    "article",
    { class: "alert-page" },
    h(
      "header",
      { class: "page-head" },
      h(
        "h1",
        {},
        `Alert #${a.id}: ${a.role} `,
        h("a", { href: `#/party/${encodeURIComponent(a.subject)}?role=${a.role}` }, a.subject),
        " ",
        h("span", { class: "score big" }, score(a.score)),
      ),
      h(
        "p",
        { class: "muted" },
        `${words(a.status)} · ${a.country} · ${a.payments} payments counted · first ${utc(a.first_seen)} · last ${utc(a.last_seen)}`,
      ),
      cased,
    ),
    explanation(a),
    facts(party),
    ...pictures(ctx, party),
    paymentTable("Evidence payments", `alert-${a.id}-evidence.csv`, detail.payments),
    detail.missing.length
      ? h("p", { class: "help" }, `Evidence the database does not hold the details of: ${detail.missing.join(", ")}`)
      : null,
  );
}

export async function partyPage(ctx: Ctx, id: string): Promise<HTMLElement> {
  const role = ctx.params.get("role");
  const party = await api.party(id, role === "sender" || role === "receiver" ? role : undefined);
  return h(
    "article",
    { class: "party-page" },
    h("header", { class: "page-head" }, h("h1", {}, `Party ${party.id}`, role ? ` as ${role}` : "")),
    facts(party),
    h(
      "section",
      { "aria-label": "alerts of the party" },
      h("h2", {}, "Alerts"),
      party.alerts.length
        ? h(
            "ul",
            {},
            party.alerts.map((a) =>
              h("li", {}, h("a", { href: `#/alert/${a.id}` }, `#${a.id} ${a.role} ${score(a.score)}`), ` — ${words(a.status)}`),
            ),
          )
        : h("p", { class: "help" }, "No alert."),
    ),
    ...pictures(ctx, party),
    paymentTable("Payments", `party-${party.id}-payments.csv`, party.payments),
  );
}
