// Bars over days (uPlot): payments or alerts per day.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { DayCount } from "../api";
import { h } from "../dom";

export function dayBars(title: string, days: DayCount[], colour: string, width: number): HTMLElement {
  const box = h("div", { class: "chart", "aria-label": `${title}: ${days.length} days` });
  if (days.length === 0) {
    box.append(h("p", { class: "help" }, `${title}: nothing yet.`));
    return box;
  }
  // Every day between the first and the last, a week at least: days
  // without any are bars of 0, not gaps the axis closes.
  const DAY = 86_400;
  const at = new Map(days.map((d) => [Date.parse(d.day + "T00:00:00Z") / 1000, d.count]));
  let first = Math.min(...at.keys());
  let last = Math.max(...at.keys());
  if (last - first < 6 * DAY) {
    first -= 3 * DAY;
    last = first + 6 * DAY;
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (let t = first; t <= last; t += DAY) {
    xs.push(t);
    ys.push(at.get(t) ?? 0);
  }
  requestAnimationFrame(() => {
    new uPlot(
      {
        title,
        width,
        height: 200,
        scales: { x: { time: true } },
        series: [
          {},
          {
            label: title,
            stroke: colour,
            fill: colour + "99",
            paths: uPlot.paths.bars!({ size: [0.8, 40] }),
            points: { show: false },
          },
        ],
      },
      [xs, ys],
      box,
    );
  });
  return box;
}
