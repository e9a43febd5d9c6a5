// The party's payments over time, two charts on one time axis (uPlot):
// the amount of each payment, and the local hour it was sent at in the
// sender's country (spur's offsets, crates/spur-engine/src/geo.rs), so a
// night-time pattern or a sudden escalation shows at a glance. One series
// per counterparty, each its own colour; points only.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { Payment, Role } from "../api";
import { h } from "../dom";
import { hue } from "./palette";

/** At most this many counterparties get a colour of their own; the rest are "others". */
const NAMED = 7;

export function timeline(payments: Payment[], role: Role | null, width: number): HTMLElement {
  const box = h("div", { class: "timeline", "data-testid": "timeline" });
  if (payments.length === 0) {
    box.append(h("p", { class: "help" }, "No kept payments of this party."));
    return box;
  }
  const other = (p: Payment) => (role === "receiver" ? p.sender_id : p.receiver_id);
  const byCount = new Map<string, number>();
  for (const p of payments) byCount.set(other(p), (byCount.get(other(p)) ?? 0) + 1);
  const named = [...byCount.entries()].sort((a, b) => b[1] - a[1]).slice(0, NAMED).map(([id]) => id);
  const keys = byCount.size > named.length ? [...named, "others"] : named;
  const slot = (p: Payment) => {
    const i = named.indexOf(other(p));
    return i >= 0 ? i : named.length;
  };
  const sorted = [...payments].sort((a, b) => a.timestamp - b.timestamp);
  const xs = sorted.map((p) => p.timestamp);
  const amount: (number | null)[][] = keys.map(() => sorted.map(() => null));
  const hour: (number | null)[][] = keys.map(() => sorted.map(() => null));
  sorted.forEach((p, j) => {
    amount[slot(p)][j] = p.amount;
    hour[slot(p)][j] = p.sender_local_hour + new Date(p.timestamp * 1000).getUTCMinutes() / 60;
  });
  const currency = [...new Set(payments.map((p) => p.currency))].join("/");
  const series = (label: (k: string) => string): uPlot.Series[] => [
    {},
    ...keys.map((k, i) => ({
      label: label(k),
      stroke: hue(i),
      fill: hue(i),
      width: 0,
      paths: () => null,
      points: { show: true, size: 7, fill: hue(i), stroke: hue(i) },
    })),
  ];
  const names = new Map(payments.map((p) => [other(p), role === "receiver" ? p.sender_name : p.receiver_name]));
  const label = (k: string) => (k === "others" ? "others" : `${names.get(k) ?? k} (${k})`);
  const opts = (title: string, y: string, extra: Partial<uPlot.Options>): uPlot.Options => ({
    title,
    width,
    height: 200,
    series: series(label),
    scales: { x: { time: true } },
    axes: [{}, { label: y }],
    cursor: { drag: { x: true, y: false } },
    ...extra,
  });
  const a = h("div", { "aria-label": `amounts of ${payments.length} payments over time` });
  const b = h("div", { "aria-label": "local hour of each payment" });
  box.append(a, b);
  // uPlot measures its container: build after the box is in the page.
  requestAnimationFrame(() => {
    new uPlot(opts("Amount of each payment", currency, {}), [xs, ...amount] as uPlot.AlignedData, a);
    new uPlot(
      opts("Sender's local hour", "hour", {
        scales: { x: { time: true }, y: { range: [0, 24] } },
        axes: [{}, { label: "hour", splits: () => [0, 6, 12, 18, 24] }],
      }),
      [xs, ...hour] as uPlot.AlignedData,
      b,
    );
  });
  return box;
}
