//! The charts of `spur stats` as SVG: the amount distribution (bars), the
//! funnel by month (grouped bars) and the suspected customers by corridor
//! and month (a grid): rectangles and labels written as text (a plotting
//! library would bring a font stack and an image encoder for three
//! charts). Deterministic: the same rows give the same bytes. A suppressed
//! figure is drawn as a label "< k", never as a bar of zero.

use std::fmt::Write as _;

const W: f64 = 640.0;
const H: f64 = 320.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 56.0;
const TOP: f64 = 40.0;

/// `rows`: (from USD, to USD or open, the count or suppressed, inside a
/// show's price); `what` the chart's title (what is counted).
pub fn amounts(what: &str, rows: &[(f64, Option<f64>, Option<u64>, bool)]) -> String {
    let max = rows.iter().filter_map(|r| r.2).max().unwrap_or(0).max(1) as f64;
    let n = rows.len().max(1) as f64;
    let slot = (W - LEFT - 16.0) / n;
    let plot_h = H - TOP - BOTTOM;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">
<title>{what}; shaded: a show's published price</title>
<rect width="{W}" height="{H}" fill="#ffffff"/>
<text x="{LEFT}" y="22" font-size="13" font-weight="bold">{what}</text>
<line x1="{LEFT}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#1b1f23"/>
"##,
        y0 = H - BOTTOM,
        x1 = W - 16.0
    );
    for (i, &(from, to, count, show)) in rows.iter().enumerate() {
        let x = LEFT + i as f64 * slot;
        if show {
            let _ = writeln!(
                s,
                r##"<rect x="{x:.1}" y="{TOP}" width="{slot:.1}" height="{plot_h:.1}" fill="#fff1e0"/>"##
            );
        }
        match count {
            Some(c) => {
                let h = plot_h * c as f64 / max;
                let _ = writeln!(
                    s,
                    r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="#0072B2"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{c}</text>"##,
                    x + 4.0,
                    H - BOTTOM - h,
                    slot - 8.0,
                    x + slot / 2.0,
                    H - BOTTOM - h - 4.0
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#4f5962">&lt; k</text>"##,
                    x + slot / 2.0,
                    H - BOTTOM - 4.0
                );
            }
        }
        let label = match to {
            Some(t) => format!("{from}-{t}"),
            None => format!("{from}+"),
        };
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{label}</text>"##,
            x + slot / 2.0,
            H - BOTTOM + 16.0
        );
    }
    let _ = write!(
        s,
        r##"<text x="{LEFT}" y="{:.1}" fill="#4f5962">Shaded: USD 20-150, what a show costs (IJM on the AP report). Not published: "&lt; k".</text>
</svg>
"##,
        H - 14.0
    );
    s
}

/// One month of the funnel: alerts, in cases, reports filed (each or suppressed).
pub type FunnelBars = (String, Option<u64>, Option<u64>, Option<u64>);

/// The funnel by month as grouped bars: alerts, alerts in cases, reports filed.
pub fn funnel(rows: &[FunnelBars]) -> String {
    const COLOURS: [(&str, &str); 3] = [
        ("alerts", "#0072B2"),
        ("in cases", "#E69F00"),
        ("reports filed", "#009E73"),
    ];
    let max = rows
        .iter()
        .flat_map(|r| [r.1, r.2, r.3])
        .flatten()
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = rows.len().max(1) as f64;
    // At most 120 points a month: one month is not a wall of colour.
    let slot = ((W - LEFT - 16.0) / n).min(120.0);
    let bar = (slot - 8.0) / 3.0;
    let plot_h = H - TOP - BOTTOM;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">
<title>Alerts, alerts in cases and reports filed, by the month alerts were raised</title>
<rect width="{W}" height="{H}" fill="#ffffff"/>
<text x="{LEFT}" y="22" font-size="13" font-weight="bold">Alerts, in cases, reports filed, by month raised</text>
<line x1="{LEFT}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#1b1f23"/>
"##,
        y0 = H - BOTTOM,
        x1 = W - 16.0
    );
    for (i, (month, a, c, r)) in rows.iter().enumerate() {
        let x = LEFT + i as f64 * slot + 4.0;
        for (j, value) in [a, c, r].into_iter().enumerate() {
            let bx = x + j as f64 * bar;
            match value {
                Some(v) => {
                    let h = plot_h * *v as f64 / max;
                    let _ = writeln!(
                        s,
                        r##"<rect x="{bx:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{}"><title>{month} {}: {v}</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="9">{v}</text>"##,
                        H - BOTTOM - h,
                        bar - 1.0,
                        COLOURS[j].1,
                        COLOURS[j].0,
                        bx + bar / 2.0,
                        H - BOTTOM - h - 3.0
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="9" fill="#4f5962">&lt;k</text>"##,
                        bx + bar / 2.0,
                        H - BOTTOM - 4.0
                    );
                }
            }
        }
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{month}</text>"##,
            x + (slot - 8.0) / 2.0,
            H - BOTTOM + 16.0
        );
    }
    for (j, (name, colour)) in COLOURS.iter().enumerate() {
        let x = LEFT + j as f64 * 120.0;
        let _ = writeln!(
            s,
            r##"<rect x="{x}" y="{:.1}" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="{:.1}">{name}</text>"##,
            H - 24.0,
            x + 14.0,
            H - 15.0
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" fill="#4f5962">Not published: "&lt;k".</text>
</svg>"##,
        LEFT + 380.0,
        H - 15.0
    );
    s
}

/// One cell of the grid: month, corridor ("US→PH"), suspected customers or suppressed.
pub type GridCell = (String, String, Option<u64>);

/// Suspected customers by corridor (rows) and month (columns): a cell's
/// shade grows with its count; "< k" where it is not published; empty where
/// the table has no row.
pub fn corridors(cells: &[GridCell]) -> String {
    let months: std::collections::BTreeSet<&str> = cells.iter().map(|c| c.0.as_str()).collect();
    let lanes: std::collections::BTreeSet<&str> = cells.iter().map(|c| c.1.as_str()).collect();
    let months: Vec<&str> = months.into_iter().collect();
    let lanes: Vec<&str> = lanes.into_iter().collect();
    let max = cells.iter().filter_map(|c| c.2).max().unwrap_or(0).max(1) as f64;
    let (cell_w, cell_h, left, top) = (64.0, 18.0, 96.0, 56.0);
    // Wide enough for the title and the note under the grid.
    let w = (left + cell_w * months.len().max(1) as f64 + 16.0).max(640.0);
    let h = top + cell_h * lanes.len().max(1) as f64 + 40.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">
<title>Suspected customers by corridor and month of their evidence payments</title>
<rect width="{w}" height="{h}" fill="#ffffff"/>
<text x="16" y="22" font-size="13" font-weight="bold">Suspected customers by corridor and month</text>
"##
    );
    for (i, m) in months.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{m}</text>"##,
            left + cell_w * (i as f64 + 0.5),
            top - 8.0
        );
    }
    for (j, lane) in lanes.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{lane}</text>"##,
            left - 8.0,
            top + cell_h * (j as f64 + 0.7)
        );
    }
    for (month, lane, count) in cells {
        let (Some(i), Some(j)) = (
            months.iter().position(|m| m == month),
            lanes.iter().position(|l| l == lane),
        ) else {
            continue;
        };
        let (x, y) = (left + cell_w * i as f64, top + cell_h * j as f64);
        match count {
            Some(c) => {
                // From a pale to a deep blue with the count.
                let t = *c as f64 / max;
                let shade = (235.0 - 190.0 * t).round() as u8;
                let text = if t > 0.5 { "#ffffff" } else { "#1b1f23" };
                let _ = writeln!(
                    s,
                    r##"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="rgb({shade},{},{})"/><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{text}">{c}</text>"##,
                    cell_w - 2.0,
                    cell_h - 2.0,
                    shade.saturating_add(10),
                    255,
                    x + cell_w / 2.0,
                    y + cell_h * 0.7
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    r##"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="#f0f0f0"/><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#4f5962">&lt; k</text>"##,
                    cell_w - 2.0,
                    cell_h - 2.0,
                    x + cell_w / 2.0,
                    y + cell_h * 0.7
                );
            }
        }
    }
    let _ = writeln!(
        s,
        r##"<text x="16" y="{:.1}" fill="#4f5962">Not published: "&lt; k". No cell: no suspect's payment there (or, under --epsilon, not released).</text>
</svg>"##,
        h - 14.0
    );
    s
}
