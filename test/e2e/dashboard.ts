// The dashboard page's test set-up: its own stack (scripts/stack.ts, like npm start's) with a
// short TTL so refresh-ahead runs within a test, and a Worker the tests may restart without
// disturbing the other e2e files; tabs of the page in headless Chromium; axe-core in a tab.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { Stack } from "../../scripts/stack.ts";
import type { E2eUser, Target } from "./helpers.ts";

/**
 * CACHE_TTL_SECONDS=4 with CACHE_REFRESH_AHEAD_SECONDS=2: while a tab is open the list is
 * refreshed from Vapi every 2 s (half the TTL, the most often refresh-ahead runs), so an edit
 * made in the emulator reaches open tabs within seconds instead of npm start's 270 s.
 */
export const PAGE_STACK_VARS = { CACHE_TTL_SECONDS: "4", CACHE_REFRESH_AHEAD_SECONDS: "2", CACHE_TTL_JITTER: "0" };

export async function startPageStack(): Promise<{ stack: Stack; target: Target; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "vapi-edge-cache-page-"));
  const jwtSecret = randomBytes(32).toString("base64url");
  const stack = new Stack({
    port: 0,
    emulatorPort: 0,
    persistTo: join(dir, "state"),
    secrets: { JWT_SECRET: jwtSecret, ENCRYPTION_KEY: randomBytes(32).toString("base64") },
    vars: PAGE_STACK_VARS,
    verbose: process.env.VERBOSE !== undefined,
  });
  const stop = async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await stack.start();
  } catch (err) {
    await stop();
    throw new Error(`the page's stack did not start: ${String(err)}\n${stack.output()}`);
  }
  return { stack, target: { baseUrl: stack.url, emulatorUrl: stack.emulator!.url, jwtSecret }, stop };
}

export interface Tab {
  page: Page;
  /** Script errors, console errors and CSP violations seen in this tab. */
  problems: string[];
}

/** A tab of the page signed in as `user` (token in the fragment, as npm start prints it), once live. */
export async function openTab(context: BrowserContext, baseUrl: string, user: E2eUser): Promise<Tab> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("console", (m) => void (m.type() === "error" && problems.push(`console: ${m.text()}`)));
  await page.exposeFunction("reportViolation", (v: string) => problems.push(`csp: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await page.goto(`${baseUrl}/app#token=${user.token}`);
  await page.locator('#connection[data-state="live"]').waitFor();
  await page.locator("#list li[data-id]").first().waitFor();
  return { page, problems };
}

/** The names a list of the tab shows (the assistants', or another by its selector), by id. */
export async function listed(page: Page, list = "#list"): Promise<Record<string, string>> {
  return page.locator(`${list} li[data-id]`).evaluateAll((lis) =>
    Object.fromEntries(lis.map((li) => [(li as HTMLElement).dataset.id!, li.querySelector(".name")!.textContent!])),
  );
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's serious and critical violations on the page as it is now (its source evaluated in the tab). */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const { violations } = await axe.run();
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}
