// A case: its alerts' explanations first, then its work (assignee, status,
// disposition, notes, close) and the report flow: draft a goAML report,
// preview what it says (the reason and the transactions of the XML),
// approve by a second user, file, download the XML. Buttons follow the
// signed-in role; the server checks every action again (four eyes
// included) and its refusal is shown as it says it.

import { api, CaseDetail, CaseStatus, Disposition, Report } from "../api";
import { act, canAct, canApprove, Ctx, errorText } from "../app";
import { download, flash, h, replace, score, utc, words } from "../dom";
import { explanation } from "./alert";

const STATUSES: CaseStatus[] = ["open", "investigating", "escalated"];
const DISPOSITIONS: Disposition[] = ["undetermined", "suspicious", "not_suspicious", "false_positive"];
const PROFILES = ["ae", "generic"];

export async function casePage(ctx: Ctx, id: number): Promise<HTMLElement> {
  const d = await api.case(id);
  const c = d.case;
  const closed = c.status === "closed" || c.status === "reported";
  const mayAct = canAct(ctx.me) && !closed;
  return h(
    "article",
    { class: "case-page" },
    h(
      "header",
      { class: "page-head" },
      h("h1", {}, `Case #${c.id}`, " ", h("span", { class: `pill ${c.status}` }, words(c.status))),
      h(
        "p",
        { class: "muted" },
        `opened by ${c.opened_by} ${utc(c.created_at)} · assignee ${c.assignee ?? "nobody"} · disposition ${words(c.disposition)}`,
        c.close_reason ? ` · closed: ${c.close_reason}` : "",
      ),
    ),
    d.alerts.map((a) =>
      h(
        "section",
        { class: "case-alert" },
        h(
          "h2",
          {},
          h("a", { href: `#/alert/${a.id}` }, `Alert #${a.id}`),
          ` ${a.role} ${a.subject} `,
          h("span", { class: "score" }, score(a.score)),
        ),
        explanation(a),
      ),
    ),
    mayAct ? work(ctx, d) : null,
    notes(d, mayAct),
    reports(ctx, d),
  );
}

function work(ctx: Ctx, d: CaseDetail): HTMLElement {
  const c = d.case;
  const status = h(
    "select",
    { id: "case-status" },
    STATUSES.map((s) => h("option", { value: s, selected: s === c.status }, words(s))),
  );
  const disposition = h(
    "select",
    { id: "case-disposition" },
    DISPOSITIONS.map((s) => h("option", { value: s, selected: s === c.disposition }, words(s))),
  );
  const reason = h("input", { id: "close-reason", type: "text", placeholder: "why it is closed" });
  return h(
    "section",
    { class: "work", "aria-label": "work on the case" },
    h("h2", {}, "Work"),
    h(
      "div",
      { class: "row" },
      c.assignee === ctx.me.name
        ? h("span", {}, "Assigned to you.")
        : h(
            "button",
            { type: "button", id: "assign-me", onclick: () => act(() => api.assign(c.id, ctx.me.name), "Assigned to you.") },
            "Assign to me",
          ),
      h("label", { for: "case-status" }, "Status "),
      status,
      h(
        "button",
        { type: "button", onclick: () => act(() => api.status(c.id, status.value as CaseStatus), "Status set.") },
        "Set",
      ),
      h("label", { for: "case-disposition" }, "Disposition "),
      disposition,
      h(
        "button",
        {
          type: "button",
          id: "set-disposition",
          onclick: () => act(() => api.disposition(c.id, disposition.value as Disposition), "Disposition set."),
        },
        "Set",
      ),
    ),
    h(
      "div",
      { class: "row" },
      reason,
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            if (!reason.value.trim()) {
              flash("Say why the case is closed.");
              return;
            }
            void act(() => api.close(c.id, reason.value.trim()), "Closed.");
          },
        },
        "Close the case",
      ),
    ),
  );
}

function notes(d: CaseDetail, mayAct: boolean): HTMLElement {
  const text = h("textarea", { id: "note", rows: 3, "aria-label": "new note" });
  return h(
    "section",
    { class: "notes", "aria-label": "notes" },
    h("h2", {}, "Notes"),
    d.case.notes.length
      ? h(
          "ol",
          {},
          d.case.notes.map((n) => h("li", {}, h("p", { class: "muted" }, `${n.author}, ${utc(n.at)}`), h("p", {}, n.text))),
        )
      : h("p", { class: "help" }, "No note yet."),
    mayAct
      ? h(
          "form",
          {
            onsubmit: (e: Event) => {
              e.preventDefault();
              if (text.value.trim()) void act(() => api.note(d.case.id, text.value.trim()), "Note added.");
            },
          },
          text,
          h("button", { type: "submit" }, "Add note"),
        )
      : null,
  );
}

function reports(ctx: Ctx, d: CaseDetail): HTMLElement {
  const c = d.case;
  const open = d.reports.find((r) => r.status !== "filed");
  const profile = h("select", { id: "fiu", "aria-label": "FIU profile" }, PROFILES.map((p) => h("option", { value: p }, p)));
  const reason = h("textarea", { id: "report-reason", rows: 3, placeholder: "why the activity is suspicious (spur writes one from the findings when left empty)" });
  const warnings = h("ul", { class: "warnings" });
  const drafting =
    canAct(ctx.me) && !open && c.status !== "closed"
      ? h(
          "form",
          {
            class: "draft",
            onsubmit: async (e: Event) => {
              e.preventDefault();
              try {
                const r = await api.draft(c.id, profile.value, reason.value.trim());
                await act(async () => undefined, `Report #${r.report.id} drafted.`);
                if (r.warnings.length) flash(`Drafted with warnings: ${r.warnings.join("; ")}`, "ok");
              } catch (err) {
                flash(errorText(err));
              }
            },
          },
          h("label", { for: "fiu" }, "FIU profile "),
          profile,
          reason,
          h("button", { type: "submit", class: "primary", id: "draft-report" }, "Draft a goAML report"),
          warnings,
        )
      : null;
  return h(
    "section",
    { class: "reports", "aria-label": "reports" },
    h("h2", {}, "Reports"),
    d.reports.length ? d.reports.map((r) => report(ctx, r)) : h("p", { class: "help" }, "No report yet."),
    drafting,
  );
}

function report(ctx: Ctx, r: Report): HTMLElement {
  const preview = h("div", { class: "preview", "data-testid": `report-${r.id}-preview` });
  const mine = r.authors.includes(ctx.me.name);
  return h(
    "div",
    { class: "report", "data-report": r.id },
    h(
      "h3",
      {},
      `Report #${r.id} (${r.profile}) `,
      h("span", { class: `pill ${r.status}`, "data-testid": `report-${r.id}-status` }, r.status),
    ),
    h(
      "p",
      { class: "muted" },
      `by ${r.authors.join(", ")} ${utc(r.created_at)}`,
      r.approved_by ? ` · approved by ${r.approved_by} ${utc(r.approved_at)}` : "",
      r.filed_at ? ` · filed ${utc(r.filed_at)}` : "",
    ),
    h("p", {}, h("strong", {}, "Reason: "), r.reason),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          onclick: async () => {
            try {
              replace(preview, previewOf(await api.xml(r.id)));
            } catch (e) {
              flash(errorText(e));
            }
          },
        },
        "Preview",
      ),
      h(
        "button",
        {
          type: "button",
          onclick: async () => {
            try {
              download(`spur-report-${r.id}.xml`, await api.xml(r.id), "application/xml");
            } catch (e) {
              flash(errorText(e));
            }
          },
        },
        "Download XML",
      ),
      r.status === "draft" && canApprove(ctx.me)
        ? h(
            "button",
            {
              type: "button",
              class: "primary",
              id: `approve-${r.id}`,
              disabled: mine,
              title: mine ? "you wrote it: a second person approves" : "approve",
              onclick: () => act(() => api.approve(r.id), `Report #${r.id} approved.`),
            },
            "Approve",
          )
        : null,
      r.status === "approved" && canApprove(ctx.me)
        ? h(
            "button",
            { type: "button", class: "primary", id: `file-${r.id}`, onclick: () => act(() => api.file(r.id), `Report #${r.id} filed.`) },
            "File",
          )
        : null,
    ),
    preview,
  );
}

/** What the goAML XML says, read in the browser: reason and transactions. */
function previewOf(xml: string): HTMLElement {
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  const text = (el: Element | Document, tag: string) => el.getElementsByTagName(tag)[0]?.textContent ?? "";
  const txns = [...doc.getElementsByTagName("transaction")];
  return h(
    "div",
    {},
    h("p", {}, h("strong", {}, "Reason in the report: "), text(doc, "reason")),
    text(doc, "action") ? h("p", {}, h("strong", {}, "Action: "), text(doc, "action")) : null,
    h(
      "table",
      { class: "grid" },
      h("thead", {}, h("tr", {}, ["Txn", "Date", "Amount (local)", "Mode"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        txns.map((t) =>
          h(
            "tr",
            {},
            h("td", {}, text(t, "transactionnumber")),
            h("td", {}, text(t, "date_transaction")),
            h("td", { class: "num" }, text(t, "amount_local")),
            h("td", {}, text(t, "transmode_code")),
          ),
        ),
      ),
    ),
  );
}
