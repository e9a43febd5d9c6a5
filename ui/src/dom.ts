// Small DOM helpers. Every text from the server (names, remarks, notes) goes
// in as a text node, never as HTML: payment data is not trusted.

type Attrs = Record<string, string | number | boolean | EventListener | undefined | null>;
type Child = Node | string | number | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2), v as EventListener);
    } else if (v === true) {
      el.setAttribute(k, "");
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A score as the CLI prints it. */
export function score(s: number): string {
  return s.toFixed(2);
}

/** A time of the API (seconds since 1970, UTC) as UTC text. */
export function utc(t: number | null | undefined): string {
  if (t === null || t === undefined) return "—";
  return new Date(t * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

export function day(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 10);
}

export function money(totals: Record<string, number>): string {
  return Object.entries(totals)
    .map(([c, v]) => `${v.toLocaleString("en", { maximumFractionDigits: 2 })} ${c}`)
    .join(", ");
}

export function words(s: string): string {
  return s.replace(/_/g, " ");
}

/** Rows as RFC 4180 CSV, downloaded as `name`. */
export function downloadCsv(name: string, header: string[], rows: (string | number)[][]): void {
  const cell = (v: string | number) => {
    const s = String(v);
    // A leading = + - @ would be read as a formula by a spreadsheet.
    const safe = /^[=+\-@\t\r]/.test(s) && typeof v !== "number" ? "'" + s : s;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const text = [header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
  download(name, text, "text/csv");
}

export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A message line at the top of the page; errors stay until the next action. */
export function flash(text: string, kind: "error" | "ok" = "error"): void {
  const el = document.getElementById("flash");
  if (el) {
    el.className = `flash ${kind}`;
    el.setAttribute("role", kind === "error" ? "alert" : "status");
    el.textContent = text;
  }
}

export function clearFlash(): void {
  const el = document.getElementById("flash");
  if (el) {
    el.className = "flash";
    el.textContent = "";
  }
}
