// The queue: alerts through the server's filters, a page at a time
// (`next_cursor`), sortable by column, with bulk assign / close and "next"
// (the strongest alert of the filter in no case: opened as a case and
// assigned to the analyst). Keys: j/k move, x selects, enter opens, n next.

import { Alert, api, Disposition } from "../api";
import { act, canAct, Ctx, errorText, onKeys } from "../app";
import { flash, h, replace, score, utc, words } from "../dom";

const FILTERS = ["role", "min_score", "indicator", "country", "status", "assignee"] as const;

type SortKey = "score" | "subject" | "country" | "last_seen" | "status";

export async function queue(ctx: Ctx): Promise<HTMLElement> {
  const q: Record<string, string> = {};
  for (const f of FILTERS) {
    const v = ctx.params.get(f);
    if (v) q[f] = v;
  }
  const first = await api.alerts({ ...q, limit: 50 });
  const rows: Alert[] = [...first.items];
  let cursor = first.next_cursor;
  let at = 0;
  let sort: { key: SortKey; desc: boolean } = { key: "score", desc: true };
  const selected = new Set<number>();

  const body = h("tbody");
  const more = h("button", { type: "button", id: "more" }, "Load more");
  const count = h("span", { class: "count", "data-testid": "count" });

  function sorted(): Alert[] {
    const k = sort.key;
    const v = (a: Alert) => (k === "score" || k === "last_seen" ? a[k] : String(a[k]));
    return [...rows].sort((a, b) => {
      const x = v(a);
      const y = v(b);
      const c = x < y ? -1 : x > y ? 1 : 0;
      return sort.desc ? -c : c;
    });
  }

  function draw(): void {
    const list = sorted();
    at = Math.min(at, Math.max(0, list.length - 1));
    replace(
      body,
      list.map((a, i) =>
        h(
          "tr",
          {
            class: i === at ? "current" : "",
            "data-alert": a.id,
            "aria-selected": i === at ? "true" : "false",
            onclick: (e: Event) => {
              if ((e.target as HTMLElement).closest("input, a")) return;
              at = i;
              draw();
            },
            ondblclick: () => ctx.go(`#/alert/${a.id}`),
          },
          h(
            "td",
            {},
            h("input", {
              type: "checkbox",
              "aria-label": `select alert ${a.id}`,
              checked: selected.has(a.id),
              onchange: (e: Event) => {
                if ((e.target as HTMLInputElement).checked) selected.add(a.id);
                else selected.delete(a.id);
              },
            }),
          ),
          h("td", { class: "num" }, h("span", { class: `score ${band(a.score)}` }, score(a.score))),
          h("td", {}, a.role),
          h("td", {}, h("a", { href: `#/alert/${a.id}` }, a.subject)),
          h("td", {}, a.country),
          h("td", {}, a.indicators.slice(0, 3).map((f) => h("span", { class: "code" }, f.code))),
          h("td", {}, words(a.status)),
          h("td", {}, a.case_id ? h("a", { href: `#/case/${a.case_id}` }, `#${a.case_id}`) : "—"),
          h("td", {}, utc(a.last_seen)),
        ),
      ),
    );
    more.hidden = cursor === null;
    count.textContent = `${rows.length} alert${rows.length === 1 ? "" : "s"}${cursor ? " shown, more to load" : ""}`;
    body.querySelector("tr.current")?.scrollIntoView({ block: "nearest" });
  }

  more.addEventListener("click", async () => {
    if (!cursor) return;
    try {
      const page = await api.alerts({ ...q, limit: 50, cursor });
      rows.push(...page.items);
      cursor = page.next_cursor;
      draw();
    } catch (e) {
      flash(errorText(e));
    }
  });

  const header = (key: SortKey | null, text: string) =>
    h(
      "th",
      { scope: "col" },
      key
        ? h(
            "button",
            {
              type: "button",
              class: "sort",
              onclick: () => {
                sort = { key, desc: sort.key === key ? !sort.desc : key === "score" };
                draw();
              },
            },
            text,
          )
        : text,
    );

  /** The case of an alert, opened for it when it has none. */
  async function caseOf(a: Alert): Promise<number> {
    if (a.case_id) return a.case_id;
    return (await api.openCase(a.id)).id;
  }

  async function next(): Promise<void> {
    const a = sorted().find((x) => x.status === "new");
    if (!a) {
      flash("No alert in this filter is waiting for a case.", "ok");
      return;
    }
    try {
      const c = await api.openCase(a.id);
      await api.assign(c.id, ctx.me.name);
      ctx.go(`#/case/${c.id}`);
    } catch (e) {
      flash(errorText(e));
    }
  }

  const picked = () => rows.filter((a) => selected.has(a.id));
  const disposition = h(
    "select",
    { "aria-label": "disposition for bulk close" },
    (["false_positive", "not_suspicious", "suspicious"] as Disposition[]).map((d) =>
      h("option", { value: d }, words(d)),
    ),
  );
  const reason = h("input", { type: "text", placeholder: "reason for closing", "aria-label": "reason for closing" });
  const bulk = canAct(ctx.me)
    ? h(
        "div",
        { class: "bulk" },
        h(
          "button",
          {
            type: "button",
            onclick: () =>
              act(async () => {
                for (const a of picked()) await api.assign(await caseOf(a), ctx.me.name);
              }, "Assigned to you."),
          },
          "Assign selected to me",
        ),
        disposition,
        reason,
        h(
          "button",
          {
            type: "button",
            onclick: () => {
              if (!reason.value.trim()) {
                flash("Say why the cases are closed.");
                return;
              }
              void act(async () => {
                for (const a of picked()) {
                  const c = await caseOf(a);
                  await api.disposition(c, disposition.value as Disposition);
                  await api.close(c, reason.value.trim());
                }
              }, "Closed.");
            },
          },
          "Close selected",
        ),
        h("button", { type: "button", class: "primary", id: "next", onclick: () => void next(), title: "next (n)" }, "Next unassigned"),
      )
    : null;

  onKeys((e) => {
    const list = sorted();
    if (e.key === "j") at = Math.min(at + 1, list.length - 1);
    else if (e.key === "k") at = Math.max(at - 1, 0);
    else if (e.key === "x" && list[at]) {
      const id = list[at].id;
      if (selected.has(id)) selected.delete(id);
      else selected.add(id);
    } else if (e.key === "Enter" && list[at]) {
      ctx.go(`#/alert/${list[at].id}`);
      return true;
    } else if (e.key === "n" && canAct(ctx.me)) {
      void next();
      return true;
    } else return false;
    draw();
    return true;
  });

  draw();
  return h(
    "section",
    { class: "queue" },
    h("h1", {}, "Alert queue"),
    filterForm(ctx, q),
    h("div", { class: "toolbar" }, count, bulk),
    h(
      "table",
      { class: "grid", "aria-label": "alerts" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          header(null, ""),
          header("score", "Score"),
          header(null, "Role"),
          header("subject", "Party"),
          header("country", "Country"),
          header(null, "Indicators"),
          header("status", "Status"),
          header(null, "Case"),
          header("last_seen", "Last payment"),
        ),
      ),
      body,
    ),
    more,
    h("p", { class: "help" }, "Keys: j/k move, x select, enter open, n next unassigned, g c cases, g d dashboard."),
  );
}

function band(s: number): string {
  return s >= 0.85 ? "high" : s >= 0.7 ? "mid" : "low";
}

function filterForm(ctx: Ctx, q: Record<string, string>): HTMLElement {
  const field = (label: string, input: HTMLElement) => h("label", {}, label, input);
  const text = (name: string, attrs: Record<string, string> = {}) =>
    h("input", { name, value: q[name] ?? "", ...attrs });
  const select = (name: string, options: [string, string][]) =>
    h(
      "select",
      { name },
      options.map(([v, t]) => h("option", { value: v, selected: (q[name] ?? "") === v }, t)),
    );
  return h(
    "form",
    {
      class: "filters",
      "aria-label": "filters",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const data = new FormData(e.target as HTMLFormElement);
        const p = new URLSearchParams();
        for (const [k, v] of data.entries()) if (String(v).trim()) p.set(k, String(v).trim());
        ctx.go(`#/queue?${p}`);
      },
    },
    field("Role", select("role", [["", "any"], ["sender", "sender"], ["receiver", "receiver"]])),
    field("Min score", text("min_score", { type: "number", step: "0.05", min: "0", max: "1" })),
    field("Indicator", text("indicator", { placeholder: "P-SHARED" })),
    field("Country", text("country", { placeholder: "US", maxlength: "2", size: "3" })),
    field(
      "Status",
      select("status", [
        ["", "standing"],
        ["new", "new"],
        ["in_case", "in case"],
        ["cleared", "cleared"],
        ["new,in_case,cleared", "all"],
      ]),
    ),
    field("Assignee", text("assignee")),
    h("button", { type: "submit" }, "Filter"),
  );
}
