// The workbench in a real browser (Debian's chromium driven by
// playwright-core) against a real `spur demo --serve`: an analyst signs in,
// filters the queue, opens the strongest alert (explanation, timeline and
// network shown), opens a case and drafts a report; a supervisor approves
// and files it; an auditor sees no action. Run by scripts/test; on its own:
//
//   WORKBENCH_SPUR=target/debug/spur node --test ui/tests/
//
// WORKBENCH_SCREENSHOTS=DIR writes the queue, an alert with its network,
// the case with its filed report and the dashboard as PNGs into DIR
// (docs/img for the README).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const BIN = resolve(process.env.WORKBENCH_SPUR ?? "target/debug/spur");
const CHROMIUM = process.env.WORKBENCH_CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = process.env.WORKBENCH_SCREENSHOTS;

let server;
let dir;
let base;
const tokens = {};
let browser;
/** Requests the pages made to any other origin than the server's. */
const foreign = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "spur-ui-"));
  server = spawn(BIN, ["demo", "--out", dir, "--senders", "2500", "--seed", "7", "--serve", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
    // spur reads SPUR_* as its configuration: only the log level here.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SPUR_"))), SPUR_LOG: "warn" },
  });
  let out = "";
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`spur demo --serve did not start:\n${out}`)), 240_000);
    server.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`spur demo --serve ended (${code}):\n${out}`));
    });
    const read = (chunk) => {
      out += chunk;
      for (const m of out.matchAll(/^\s+(admin|analyst|supervisor|auditor)\s+\S+\s+(spur_\w+)$/gm)) tokens[m[1]] = m[2];
      const at = out.match(/listening on (http:\/\/[\d.:]+)/);
      if (at && Object.keys(tokens).length === 4) {
        base = at[1];
        clearTimeout(timer);
        ok();
      }
    };
    server.stdout.on("data", read);
    server.stderr.on("data", read);
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function signedIn(role) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("request", (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) foreign.push(r.url());
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${base}/`);
  await page.fill("#token", tokens[role]);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=who]");
  assert.match(await page.textContent("[data-testid=who]"), new RegExp(role));
  return { page, context, errors };
}

/** WCAG 2 A/AA rules (contrast included) that axe-core finds broken on the page. */
async function accessibility(page, what) {
  // Evaluated by the test's driver, not as a script tag: the page's CSP
  // (rightly) refuses inline scripts.
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    // The graph and the charts are canvases: their text is in their labels.
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")}`);
  });
  assert.deepEqual(found, [], `${what}: accessibility`);
}

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), fullPage: false });
}

let caseUrl;

test("a wrong token is refused at sign-in", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await accessibility(page, "the sign-in page");
  await page.fill("#token", "spur_not_a_token");
  await page.click("button[type=submit]");
  await page.waitForSelector(".signin .error:not(:empty)");
  assert.match(await page.textContent(".signin .error"), /token/i);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("spur.token")), null);
  await context.close();
});

test("an analyst filters the queue, reads the strongest alert and drafts a report", async () => {
  const { page, context, errors } = await signedIn("analyst");
  // The queue, filtered to receivers (possible facilitators).
  await page.waitForSelector("table[aria-label=alerts] tbody tr");
  await page.selectOption("select[name=role]", "receiver");
  await page.click(".filters button[type=submit]");
  await page.waitForFunction(() => location.hash.includes("role=receiver"));
  await page.waitForSelector("table[aria-label=alerts] tbody tr");
  const roles = await page.$$eval("table[aria-label=alerts] tbody tr td:nth-child(3)", (tds) => tds.map((t) => t.textContent));
  assert.ok(roles.length > 0 && roles.every((r) => r === "receiver"), roles.join());
  const scores = await page.$$eval("table[aria-label=alerts] tbody tr td:nth-child(2)", (tds) => tds.map((t) => Number(t.textContent)));
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), "strongest first");
  await accessibility(page, "the queue");
  await shot(page, "queue.png");

  // j then k comes back to the first row; enter opens it.
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  await page.keyboard.press("Enter");
  await page.waitForSelector("[data-testid=explanation] .findings li");
  const reasons = await page.$$eval("[data-testid=explanation] .findings li p", (ps) => ps.map((p) => p.textContent));
  assert.ok(reasons.some((r) => r.length > 20), reasons.join(" | "));
  // The timeline's two charts and the network's canvas are drawn.
  await page.waitForSelector("[data-testid=timeline] canvas");
  assert.equal(await page.locator("[data-testid=timeline] canvas").count(), 2);
  await page.waitForSelector("[data-testid=network] canvas");
  const label = await page.getAttribute("[data-testid=network]", "aria-label");
  assert.match(label, /network of \d+ parties/);
  assert.ok(Number(label.match(/of (\d+) parties/)[1]) >= 2, label);
  await accessibility(page, "an alert");
  await page.locator("[data-testid=network]").scrollIntoViewIfNeeded();
  await shot(page, "alert.png");

  // A case from the alert, assigned, then a report drafted.
  await page.click("#open-case");
  await page.waitForFunction(() => location.hash.startsWith("#/case/"));
  caseUrl = page.url();
  await page.click("#assign-me");
  await page.waitForSelector("text=Assigned to you.");
  await page.fill("#report-reason", "Synthetic test: payments at night to a receiver paid by many unrelated senders.");
  await page.click("#draft-report");
  await page.waitForSelector("[data-testid$=-status]");
  assert.equal(await page.textContent("[data-testid$=-status]"), "draft");
  // The analyst wrote it and is no supervisor: no approve button.
  assert.equal(await page.locator("button[id^=approve-]").count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a supervisor approves and files the analyst's report", async () => {
  assert.ok(caseUrl, "the analyst's test made a case");
  const { page, context, errors } = await signedIn("supervisor");
  await page.goto(caseUrl);
  await page.waitForSelector("button[id^=approve-]");
  await page.click("button[id^=approve-]");
  await page.waitForSelector("[data-testid$=-status]:text('approved')");
  await page.click("button[id^=file-]");
  await page.waitForSelector("[data-testid$=-status]:text('filed')");
  // The preview reads the goAML XML: its reason and its transactions.
  await page.click("text=Preview");
  await page.waitForSelector("[data-testid$=-preview] tbody tr");
  assert.match(await page.textContent("[data-testid$=-preview]"), /Synthetic test/);
  await accessibility(page, "a case");
  await shot(page, "case.png");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the dashboard shows the traffic and the funnel to the filed report", async () => {
  const { page, context, errors } = await signedIn("auditor");
  await page.keyboard.press("g");
  await page.keyboard.press("d");
  await page.waitForSelector("[data-testid=funnel]");
  const funnel = await page.textContent("[data-testid=funnel]");
  // The report the supervisor filed above is in it.
  assert.match(funnel, /1reports filed/, funnel);
  assert.equal(await page.locator("[data-testid=dashboard] .tile canvas").count(), 2, "payments and alerts per day");
  const corridors = await page.locator("table[aria-label=corridors] tbody tr").count();
  assert.ok(corridors >= 2, `${corridors} corridors`);
  assert.ok((await page.locator("table[aria-label='amounts in USD'] tr.show").count()) >= 2);
  await accessibility(page, "the dashboard");
  await shot(page, "dashboard.png");
  assert.deepEqual(errors, []);
  await context.close();
});

test("an auditor reads everything and sees no action", async () => {
  const { page, context, errors } = await signedIn("auditor");
  await page.waitForSelector("table[aria-label=alerts] tbody tr");
  assert.equal(await page.locator(".bulk").count(), 0);
  await page.goto(caseUrl);
  await page.waitForSelector("[data-testid$=-status]");
  for (const sel of ["#assign-me", "#draft-report", "button[id^=approve-]", "button[id^=file-]", "#note"]) {
    assert.equal(await page.locator(sel).count(), 0, `${sel} shown to an auditor`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test("a slow page never replaces the page the user went to meanwhile", async () => {
  const { page, context, errors } = await signedIn("auditor");
  await page.waitForSelector("table[aria-label=alerts] tbody tr");
  // The queue's list answers late; the user goes to the dashboard before it does.
  await page.route("**/v1/alerts?*", async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await page.evaluate(() => {
    location.hash = "#/queue?role=receiver";
  });
  await page.evaluate(() => {
    location.hash = "#/dashboard";
  });
  await page.waitForSelector("[data-testid=funnel]");
  // Well after the queue's late answer: still the dashboard.
  await page.waitForTimeout(2500);
  assert.equal(await page.locator("[data-testid=funnel]").count(), 1);
  assert.equal(await page.locator("table[aria-label=alerts]").count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test("no request left the spur server", () => {
  assert.deepEqual(foreign, []);
});
