//! The amount distribution of `spur stats` as an SVG bar chart: a few
//! rectangles and labels, written as text (a plotting library would bring
//! a font stack and an image encoder for this one chart). Deterministic:
//! the same rows give the same bytes. A suppressed bucket is drawn as a
//! hatched outline labelled "< k".

use std::fmt::Write as _;

const W: f64 = 640.0;
const H: f64 = 320.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 56.0;
const TOP: f64 = 40.0;

/// `rows`: (from USD, to USD or open, payments or suppressed, inside a show's price).
pub fn amounts(rows: &[(f64, Option<f64>, Option<u64>, bool)]) -> String {
    let max = rows.iter().filter_map(|r| r.2).max().unwrap_or(0).max(1) as f64;
    let n = rows.len().max(1) as f64;
    let slot = (W - LEFT - 16.0) / n;
    let plot_h = H - TOP - BOTTOM;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">
<title>Evidence payments of suspected customers by amount (USD); shaded: a show's published price</title>
<rect width="{W}" height="{H}" fill="#ffffff"/>
<text x="{LEFT}" y="22" font-size="13" font-weight="bold">Payments of suspected customers by amount (USD)</text>
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
        r##"<text x="{LEFT}" y="{:.1}" fill="#4f5962">Shaded: USD 20-150, what a show costs (IJM on the AP report). Buckets of fewer than k customers: "&lt; k".</text>
</svg>
"##,
        H - 14.0
    );
    s
}
