// The cases, newest first, filtered by status, assignee and disposition
// (the server's filters), a page at a time. Keys: j/k move, enter opens.

import { api, Case } from "../api";
import { Ctx, errorText, onKeys } from "../app";
import { flash, h, replace, utc, words } from "../dom";

export async function cases(ctx: Ctx): Promise<HTMLElement> {
  const q: Record<string, string> = {};
  for (const f of ["status", "assignee", "disposition"]) {
    const v = ctx.params.get(f);
    if (v) q[f] = v;
  }
  const first = await api.cases({ ...q, limit: 50 });
  const rows: Case[] = [...first.items];
  let cursor = first.next_cursor;
  let at = 0;
  const body = h("tbody");
  const more = h("button", { type: "button" }, "Load more");
  const draw = () => {
    replace(
      body,
      rows.map((c, i) =>
        h(
          "tr",
          { class: i === at ? "current" : "", "data-case": c.id },
          h("td", {}, h("a", { href: `#/case/${c.id}` }, `#${c.id}`)),
          h("td", {}, words(c.status)),
          h("td", {}, c.assignee ?? "—"),
          h("td", {}, words(c.disposition)),
          h("td", { class: "num" }, c.alerts.length),
          h("td", {}, c.notes.length),
          h("td", {}, utc(c.updated_at)),
        ),
      ),
    );
    more.hidden = cursor === null;
  };
  more.addEventListener("click", async () => {
    if (!cursor) return;
    try {
      const page = await api.cases({ ...q, limit: 50, cursor });
      rows.push(...page.items);
      cursor = page.next_cursor;
      draw();
    } catch (e) {
      flash(errorText(e));
    }
  });
  onKeys((e) => {
    if (e.key === "j") at = Math.min(at + 1, rows.length - 1);
    else if (e.key === "k") at = Math.max(at - 1, 0);
    else if (e.key === "Enter" && rows[at]) {
      ctx.go(`#/case/${rows[at].id}`);
      return true;
    } else return false;
    draw();
    return true;
  });
  draw();
  const text = (name: string) => h("input", { name, value: q[name] ?? "" });
  return h(
    "section",
    {},
    h("h1", {}, "Cases"),
    h(
      "form",
      {
        class: "filters",
        onsubmit: (e: Event) => {
          e.preventDefault();
          const p = new URLSearchParams();
          for (const [k, v] of new FormData(e.target as HTMLFormElement).entries())
            if (String(v).trim()) p.set(k, String(v).trim());
          ctx.go(`#/cases?${p}`);
        },
      },
      h("label", {}, "Status ", text("status")),
      h("label", {}, "Assignee ", text("assignee")),
      h(
        "label",
        {},
        "Disposition ",
        h(
          "select",
          { name: "disposition" },
          ["", "undetermined", "suspicious", "not_suspicious", "false_positive"].map((d) =>
            h("option", { value: d, selected: (q.disposition ?? "") === d }, d ? words(d) : "any"),
          ),
        ),
      ),
      h("button", { type: "submit" }, "Filter"),
    ),
    h(
      "table",
      { class: "grid", "aria-label": "cases" },
      h(
        "thead",
        {},
        h("tr", {}, ["Case", "Status", "Assignee", "Disposition", "Alerts", "Notes", "Updated"].map((t) => h("th", { scope: "col" }, t))),
      ),
      body,
    ),
    more,
  );
}
