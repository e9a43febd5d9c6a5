// The parts of an alert or party page below its explanation: the party's
// facts, the timeline, the network and the payments as a sortable table
// with CSV export.

import { Party, Payment } from "../api";
import { Ctx } from "../app";
import { timeline } from "../charts/timeline";
import { network } from "../charts/network";
import { day, downloadCsv, h, money, replace, utc } from "../dom";

export function facts(p: Party): HTMLElement {
  const f = p.facts;
  return h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Name"),
    h("dd", {}, f.name),
    h("dt", {}, "Country"),
    h("dd", {}, f.country),
    h("dt", {}, "Sent"),
    h("dd", {}, `${f.payments_sent} payments`, f.payments_sent ? ` · ${money(f.sent)}` : ""),
    h("dt", {}, "Received"),
    h("dd", {}, `${f.payments_received} payments`, f.payments_received ? ` · ${money(f.received)}` : ""),
    h("dt", {}, "Seen"),
    h("dd", {}, f.first ? `${day(f.first)} to ${day(f.last!)}` : "—"),
  );
}

export function pictures(ctx: Ctx, p: Party): HTMLElement[] {
  const width = Math.max(480, Math.min(1100, window.innerWidth - 80));
  return [
    h("section", { "aria-labelledby": "h-timeline" }, h("h2", { id: "h-timeline" }, "Timeline"), timeline(p.payments, p.role, width)),
    h(
      "section",
      { "aria-labelledby": "h-network" },
      h("h2", { id: "h-network" }, "Network"),
      network(p, (id) => ctx.go(`#/party/${encodeURIComponent(id)}`)),
    ),
  ];
}

type Col = { key: keyof Payment; title: string; num?: boolean };

const COLS: Col[] = [
  { key: "timestamp", title: "Time (UTC)", num: true },
  { key: "txn_id", title: "Txn" },
  { key: "sender_id", title: "Sender" },
  { key: "sender_country", title: "From" },
  { key: "receiver_id", title: "Receiver" },
  { key: "receiver_country", title: "To" },
  { key: "amount", title: "Amount", num: true },
  { key: "currency", title: "Cur." },
  { key: "sender_local_hour", title: "Local hour", num: true },
  { key: "channel", title: "Channel" },
  { key: "message", title: "Remark" },
];

/** Payments as a table, sortable by any column, with a CSV of what it shows. */
export function paymentTable(title: string, file: string, payments: Payment[]): HTMLElement {
  let sort: { key: keyof Payment; desc: boolean } = { key: "timestamp", desc: false };
  const body = h("tbody");
  const draw = () => {
    const rows = [...payments].sort((a, b) => {
      const x = a[sort.key];
      const y = b[sort.key];
      const c = x < y ? -1 : x > y ? 1 : 0;
      return sort.desc ? -c : c;
    });
    replace(
      body,
      rows.map((p) =>
        h(
          "tr",
          {},
          COLS.map((c) =>
            h(
              "td",
              { class: c.num ? "num" : "" },
              c.key === "timestamp" ? utc(p.timestamp) : c.key === "amount" ? p.amount.toFixed(2) : String(p[c.key]),
            ),
          ),
        ),
      ),
    );
  };
  draw();
  return h(
    "section",
    { "aria-label": title },
    h(
      "div",
      { class: "toolbar" },
      h("h2", {}, title, " ", h("span", { class: "muted" }, `(${payments.length})`)),
      h(
        "button",
        {
          type: "button",
          onclick: () =>
            downloadCsv(
              file,
              COLS.map((c) => c.key),
              payments.map((p) => COLS.map((c) => p[c.key] as string | number)),
            ),
        },
        "Export CSV",
      ),
    ),
    h(
      "table",
      { class: "grid", "data-testid": "payments" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          COLS.map((c) =>
            h(
              "th",
              { scope: "col" },
              h(
                "button",
                {
                  type: "button",
                  class: "sort",
                  onclick: () => {
                    sort = { key: c.key, desc: sort.key === c.key ? !sort.desc : false };
                    draw();
                  },
                },
                c.title,
              ),
            ),
          ),
        ),
      ),
      body,
    ),
  );
}
