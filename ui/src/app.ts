// What the views share with the shell (main.ts): the context of a route,
// the key handler of the current view, and how an action is run.

import { ApiError, Me } from "./api";
import { clearFlash, flash } from "./dom";

export interface Ctx {
  me: Me;
  /** The route's parameters: `#/queue?role=sender` gives { role: "sender" }. */
  params: URLSearchParams;
  go: (hash: string) => void;
}

let rerender: () => Promise<void> = async () => {};
let keys: ((e: KeyboardEvent) => boolean) | null = null;

export function setRender(f: () => Promise<void>): void {
  rerender = f;
}

/** The current view's keys; a handler returns true for a key it used. */
export function onKeys(f: ((e: KeyboardEvent) => boolean) | null): void {
  keys = f;
}

export function viewKeys(): ((e: KeyboardEvent) => boolean) | null {
  return keys;
}

/** Roles that change cases and reports (the store checks it again). */
export function canAct(m: Me): boolean {
  return m.role === "analyst" || m.role === "supervisor" || m.role === "admin";
}

export function canApprove(m: Me): boolean {
  return m.role === "supervisor" || m.role === "admin";
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  return String(e);
}

/** Runs an action; its error shows in the flash line, success re-renders. */
export async function act(what: () => Promise<unknown>, done?: string): Promise<boolean> {
  clearFlash();
  try {
    await what();
    await rerender();
    if (done) flash(done, "ok");
    return true;
  } catch (e) {
    flash(errorText(e));
    return false;
  }
}
