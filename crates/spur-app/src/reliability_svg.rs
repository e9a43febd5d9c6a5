//! A reliability diagram as SVG: per score bin, the share of true parties
//! against the bin's mean score, one polyline per series, the diagonal for
//! perfect calibration, and each point labelled with its parties. Text
//! written by hand like `figures_svg`; the same bins give the same bytes.

use std::fmt::Write as _;

use crate::calibrate::Bin;

const W: f64 = 520.0;
const H: f64 = 520.0;
const PAD: f64 = 60.0;

/// `series`: (legend, bins, colour).
pub fn reliability(title: &str, series: &[(&str, &[Bin], &str)]) -> String {
    let side = W - 2.0 * PAD;
    let x = |v: f64| PAD + v * side;
    let y = |v: f64| H - PAD - v * side;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">
<title>{title}</title>
<rect width="{W}" height="{H}" fill="#ffffff"/>
<text x="{PAD}" y="24" font-size="13" font-weight="bold">{title}</text>
<rect x="{PAD}" y="{PAD}" width="{side}" height="{side}" fill="none" stroke="#1b1f23"/>
<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#8a8f98" stroke-dasharray="4 4"/>
"##,
        x0 = x(0.0),
        y0 = y(0.0),
        x1 = x(1.0),
        y1 = y(1.0)
    );
    for k in 0..=10 {
        let v = f64::from(k) / 10.0;
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{v:.1}</text><text x="{:.1}" y="{:.1}" text-anchor="end">{v:.1}</text>"##,
            x(v),
            H - PAD + 16.0,
            PAD - 6.0,
            y(v) + 4.0
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">score shown (bin mean)</text><text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">share of those parties truly offending</text>"##,
        W / 2.0,
        H - 18.0,
        H / 2.0
    );
    for (i, (legend, bins, colour)) in series.iter().enumerate() {
        let points: Vec<String> = bins
            .iter()
            .map(|b| format!("{:.1},{:.1}", x(b.mean_score), y(b.share_true)))
            .collect();
        let _ = writeln!(
            s,
            r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"##,
            points.join(" ")
        );
        for b in bins.iter() {
            let _ = writeln!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"><title>{:.1}-{:.1}: {} parties, {:.3} true</title></circle>"##,
                x(b.mean_score),
                y(b.share_true),
                b.from,
                b.to,
                b.parties,
                b.share_true
            );
        }
        let ly = PAD + 16.0 + 16.0 * i as f64;
        let _ = writeln!(
            s,
            r##"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{legend}</text>"##,
            PAD + 10.0,
            PAD + 30.0,
            PAD + 36.0,
            ly + 4.0
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_point_per_bin_and_deterministic() {
        let bins = vec![
            Bin {
                from: 0.5,
                to: 0.6,
                parties: 10,
                mean_score: 0.55,
                share_true: 0.4,
            },
            Bin {
                from: 0.9,
                to: 1.0,
                parties: 30,
                mean_score: 0.95,
                share_true: 0.97,
            },
        ];
        let a = reliability("t", &[("raw", &bins, "#0072B2")]);
        assert_eq!(a.matches("<circle").count(), 2);
        assert!(a.contains("0.5-0.6: 10 parties, 0.400 true"));
        assert_eq!(a, reliability("t", &[("raw", &bins, "#0072B2")]));
    }
}
