// Colours the charts and the network share: counterparties get distinct
// hues (Okabe–Ito, readable by the colour-blind), scores a red-to-grey band.

const HUES = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7f3c8d", "#4d4d4d"];

export function hue(i: number): string {
  return HUES[i % HUES.length];
}

/** A node's colour for the highest score of its alerts (none: grey). */
export function scoreColour(s: number | null): string {
  if (s === null) return "#9aa4ad";
  if (s >= 0.85) return "#b2182b";
  if (s >= 0.7) return "#ef8a62";
  return "#fddbc7";
}
