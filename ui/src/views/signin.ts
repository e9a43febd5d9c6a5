// Sign-in with a token `spur token create` printed. The token is checked
// against GET /v1/me before it is kept (in session storage, api.ts).

import { errorText } from "../app";
import { h } from "../dom";

export function signIn(submit: (token: string) => Promise<void>): HTMLElement {
  const input = h("input", {
    id: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "aria-describedby": "token-help",
  });
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    {
      class: "signin",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        error.textContent = "";
        try {
          await submit(input.value.trim());
        } catch (err) {
          error.textContent = errorText(err);
        }
      },
    },
    h("h1", {}, "Sign in to the spur workbench"),
    h("label", { for: "token" }, "Access token"),
    input,
    h(
      "p",
      { id: "token-help", class: "help" },
      "An administrator creates yours with ",
      h("code", {}, "spur token create --for YOU --user ADMIN"),
      ". It is kept in this tab only.",
    ),
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    error,
  );
  queueMicrotask(() => input.focus());
  return form;
}
