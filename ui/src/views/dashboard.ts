// The dashboard: payments and alerts per day, the top corridors, the
// amounts against a show's published price (USD 20-150: the domain brief),
// and the funnel from alerts to filed reports with the median time to
// report against RA 11930's five days. Each figure has its CSV.

import { api, Stats } from "../api";
import { Ctx } from "../app";
import { dayBars } from "../charts/bars";
import { downloadCsv, h } from "../dom";

const n = (x: number) => x.toLocaleString("en");
const usd = (x: number) => x.toLocaleString("en", { maximumFractionDigits: 0 });

export async function dashboard(_ctx: Ctx): Promise<HTMLElement> {
  const s = await api.stats();
  const width = Math.max(420, Math.min(640, (window.innerWidth - 120) / 2));
  const csv = (name: string, header: string[], rows: (string | number)[][]) =>
    h("button", { type: "button", onclick: () => downloadCsv(name, header, rows) }, "CSV");
  return h(
    "section",
    { class: "dashboard", "data-testid": "dashboard" },
    h("h1", {}, "Dashboard"),
    funnel(s),
    h(
      "div",
      { class: "tiles" },
      tile(
        "Payments per day",
        csv("payments-by-day.csv", ["day", "payments", "usd"], s.payments_by_day.map((d) => [d.day, d.count, d.usd.toFixed(2)])),
        dayBars(`Payments (${n(s.payments)})`, s.payments_by_day, "#0072B2", width),
      ),
      tile(
        "Alerts raised per day",
        csv("alerts-by-day.csv", ["day", "alerts"], s.alerts_by_day.map((d) => [d.day, d.count])),
        dayBars(`Alerts (${n(s.funnel.alerts)})`, s.alerts_by_day, "#D55E00", width),
      ),
      tile(
        "Amounts (USD) against a show's price",
        csv(
          "amounts.csv",
          ["from_usd", "to_usd", "payments"],
          s.amounts.map((b) => [b.from_usd, b.to_usd ?? "", b.payments]),
        ),
        amounts(s),
      ),
      tile(
        "Top corridors",
        csv("corridors.csv", ["from", "to", "payments", "usd"], s.corridors.map((c) => [c.from, c.to, c.payments, c.usd.toFixed(2)])),
        h(
          "table",
          { class: "grid", "aria-label": "corridors" },
          h("thead", {}, h("tr", {}, ["From", "To", "Payments", "USD"].map((t) => h("th", { scope: "col" }, t)))),
          h(
            "tbody",
            {},
            s.corridors.map((c) =>
              h(
                "tr",
                {},
                h("td", {}, c.from === "*" ? "others" : c.from),
                h("td", {}, c.to === "*" ? "" : c.to),
                h("td", { class: "num" }, n(c.payments)),
                h("td", { class: "num" }, usd(c.usd)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function tile(title: string, action: HTMLElement, body: HTMLElement): HTMLElement {
  return h("section", { class: "tile", "aria-label": title }, h("div", { class: "toolbar" }, h("h2", {}, title), action), body);
}

function funnel(s: Stats): HTMLElement {
  const f = s.funnel;
  const step = (label: string, value: string, note?: string) =>
    h("li", {}, h("span", { class: "big" }, value), h("span", {}, label), note ? h("span", { class: "muted" }, note) : null);
  const days = f.median_hours_to_report === null ? null : f.median_hours_to_report / 24;
  return h(
    "ol",
    { class: "funnel", "aria-label": "from alerts to filed reports", "data-testid": "funnel" },
    step("alerts", n(f.alerts)),
    step("in cases", n(f.alerts_in_cases), `${n(f.cases)} cases`),
    step("reports filed", n(f.reports_filed), `${n(f.filed_within_deadline)} within ${s.report_within_days} days`),
    step(
      "median time to report",
      days === null
        ? "—"
        : days >= 1
          ? `${days.toFixed(1)} days`
          : f.median_hours_to_report! >= 1
            ? `${f.median_hours_to_report!.toFixed(1)} h`
            : `${Math.max(1, Math.round(f.median_hours_to_report! * 60))} min`,
      `RA 11930: ${s.report_within_days} days to the AMLC`,
    ),
  );
}

/** The amount buckets as bars; those inside a show's price range marked. */
function amounts(s: Stats): HTMLElement {
  const [lo, hi] = s.show_price_usd;
  const max = Math.max(1, ...s.amounts.map((b) => b.payments));
  const inShow = (b: Stats["amounts"][number]) => b.from_usd >= lo && b.to_usd !== null && b.to_usd <= hi;
  return h(
    "div",
    { class: "hist" },
    h(
      "p",
      { class: "help" },
      `Shaded: inside USD ${lo}-${hi}, what a show costs (IJM on the AP report).`,
      s.unconverted ? ` ${n(s.unconverted)} payments in currencies without a rate are not shown.` : "",
    ),
    h(
      "table",
      { class: "grid bars", "aria-label": "amounts in USD" },
      h(
        "tbody",
        {},
        s.amounts.map((b) =>
          h(
            "tr",
            { class: inShow(b) ? "show" : "" },
            h("th", { scope: "row" }, b.to_usd === null ? `${b.from_usd}+` : `${b.from_usd}-${b.to_usd}`),
            h("td", {}, h("meter", { min: 0, max, value: b.payments, "aria-label": `${b.payments} payments` })),
            h("td", { class: "num" }, n(b.payments)),
          ),
        ),
      ),
    ),
  );
}
