// The workbench: a single page over spur's HTTP API. Routes live in the
// URL's fragment (#/queue, #/alert/7, #/case/3, ...), so that the server
// serves one page and a reload keeps the analyst where they were.

import "./style.css";
import { api, ApiError, Me, setToken, token } from "./api";
import { Ctx, errorText, onKeys, setRender, viewKeys } from "./app";
import { h, replace } from "./dom";
import { signIn } from "./views/signin";
import { queue } from "./views/queue";
import { alertPage, partyPage } from "./views/alert";
import { casePage } from "./views/case";
import { cases } from "./views/cases";
import { dashboard } from "./views/dashboard";

const app = document.getElementById("app")!;
const bar = document.getElementById("bar")!;
let me: Me | null = null;
// Renders started; a render whose view arrives after a later one started is
// dropped, so that a slow page (the queue after sign-in) never replaces the
// page the user went to meanwhile.
let renders = 0;

function go(hash: string): void {
  if (location.hash === hash) void render();
  else location.hash = hash;
}

function drawBar(): void {
  const link = (hash: string, text: string, key: string) =>
    h("a", { href: hash, "aria-keyshortcuts": key, title: `${text} (${key})` }, text);
  replace(
    bar,
    h("span", { class: "brand" }, "spur"),
    me
      ? [
          h(
            "nav",
            { "aria-label": "main" },
            link("#/queue", "Queue", "g q"),
            link("#/cases", "Cases", "g c"),
            link("#/dashboard", "Dashboard", "g d"),
          ),
          h(
            "span",
            { class: "who" },
            h("span", { "data-testid": "who" }, `${me.name} · ${me.role}`),
            h(
              "button",
              {
                type: "button",
                onclick: () => {
                  setToken(null);
                  me = null;
                  go("#/signin");
                },
              },
              "Sign out",
            ),
          ),
        ]
      : null,
    h("div", { id: "flash", class: "flash", "aria-live": "polite" }),
  );
}

async function render(): Promise<void> {
  const mine = ++renders;
  const stale = () => mine !== renders;
  onKeys(null);
  const [path, query] = (location.hash.slice(1) || "/queue").split("?");
  const params = new URLSearchParams(query ?? "");
  const parts = path.split("/").filter(Boolean);
  if (!me && token()) {
    try {
      me = await api.me(token()!);
    } catch {
      setToken(null);
    }
    if (stale()) return;
  }
  drawBar();
  if (!me) {
    replace(app, signIn(async (t) => {
      me = await api.me(t);
      setToken(t);
      go("#/queue");
    }));
    return;
  }
  const ctx: Ctx = { me, params, go };
  replace(app, h("p", { class: "loading" }, "Loading…"));
  try {
    const id = Number(parts[1]);
    let view: HTMLElement;
    switch (parts[0]) {
      case "alert":
        view = await alertPage(ctx, id);
        break;
      case "case":
        view = await casePage(ctx, id);
        break;
      case "cases":
        view = await cases(ctx);
        break;
      case "dashboard":
        view = await dashboard(ctx);
        break;
      case "party":
        view = await partyPage(ctx, decodeURIComponent(parts[1] ?? ""));
        break;
      default:
        view = await queue(ctx);
    }
    if (stale()) return;
    replace(app, view);
    app.focus({ preventScroll: true });
  } catch (e) {
    if (stale()) return;
    if (e instanceof ApiError && e.status === 401) {
      setToken(null);
      me = null;
      void render();
      return;
    }
    replace(app, h("p", { class: "error", role: "alert" }, errorText(e)));
  }
}

let pendingG = false;
document.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement;
  if (t.closest("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
  const keys = viewKeys();
  if (keys && keys(e)) {
    e.preventDefault();
    return;
  }
  if (pendingG) {
    pendingG = false;
    const to = ({ q: "#/queue", c: "#/cases", d: "#/dashboard" } as Record<string, string>)[e.key];
    if (to) {
      e.preventDefault();
      go(to);
    }
  } else if (e.key === "g") {
    pendingG = true;
  }
});

setRender(render);
window.addEventListener("hashchange", () => void render());
void render();
