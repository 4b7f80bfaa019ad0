// The SDK in headless Chromium (issue 18): pages served from loopback origins, the SDK bundled
// for the browser, the browser's own fetch and WebSocket against `wrangler dev`. Chromium adds
// `Cache-Control: max-age=0` and `Pragma: no-cache` to a fetch carrying If-None-Match, and
// enforces CORS and sends `Origin` on sockets: none of which a test inside workerd sees.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Sdk from "../../packages/client/src/index.ts";
import { launchChromium } from "./browser.ts";
import { newUser, stack } from "./helpers.ts";

/** What the page scripts below keep on `window`. */
declare global {
  interface Window {
    sdk: typeof Sdk;
    tab: Sdk.CacheClient;
    events: Sdk.ChangeEvent[];
    states: Sdk.SubscriptionState[];
    violations: string[];
  }
}

const launched = await launchChromium();
const skipped = "skipped" in launched ? launched.skipped : undefined;
if (skipped) console.warn(`browser tests SKIPPED: ${skipped}`);

describe.skipIf(skipped !== undefined)(`the SDK in headless Chromium${skipped ? ` (SKIPPED: ${skipped})` : ""}`, () => {
  let context: BrowserContext;
  beforeAll(async () => {
    if ("browser" in launched) context = await launched.browser.newContext();
  });
  afterAll(async () => {
    if ("browser" in launched) await launched.browser.close();
  });

  /** A tab on `origin` with an SDK instance (`window.tab`) for the user; its console errors are collected. */
  async function openTab(origin: string, token: string) {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => window.sdk !== undefined);
    await page.evaluate(
      ({ baseUrl, token }) => {
        window.events = [];
        window.states = [];
        window.tab = window.sdk.createCacheClient({ baseUrl, token });
      },
      { baseUrl: stack.baseUrl, token },
    );
    return { page, errors };
  }

  /** Subscribes the tab, recording its events and the states the SDK reports. */
  const subscribe = (page: Page) =>
    page.evaluate(() => void window.tab.subscribe((e) => window.events.push(e), { onState: (s) => window.states.push(s) }));
  const reached = (page: Page, state: Sdk.SubscriptionState["state"]) =>
    page.waitForFunction((state) => window.states.some((s) => s.state === state), state);

  it("12 repeat getAssistant(id) calls in a page are cache hits: no Vapi call after the first read", async () => {
    const user = await newUser();
    const id = user.ids[0]!;
    const { page } = await openTab(stack.allowedOrigin, user.token);
    const first = await page.evaluate((id) => window.tab.getAssistant(id), id);
    const before = await user.vapiCalls();
    const repeats = await page.evaluate(async (id) => {
      const out = [];
      for (let i = 0; i < 12; i++) out.push(await window.tab.getAssistant(id));
      return out;
    }, id);
    const calls = (await user.vapiCalls()) - before;
    console.log(`[figure] Chromium fetch: Vapi calls for 12 repeat getAssistant(id) reads after the first: ${calls}`);
    expect(calls).toBe(0);
    for (const r of repeats) expect(r).toMatchObject({ assistant: first.assistant, etag: first.etag, cached: true });
    await page.close();
  });

  it("a rename in one page reaches another page's subscription", async () => {
    const user = await newUser();
    const id = user.ids[0]!;
    const [reader, writer] = [await openTab(stack.allowedOrigin, user.token), await openTab(stack.allowedOrigin, user.token)];
    await Promise.all([subscribe(reader.page), subscribe(writer.page)]);
    await Promise.all([reached(reader.page, "ready"), reached(writer.page, "ready")]);
    const renamed = await writer.page.evaluate(async (id) => {
      const { etag } = await window.tab.getAssistant(id);
      return window.tab.updateAssistant(id, { name: "Renamed in another tab" }, { expected: etag });
    }, id);
    const rename = { type: "updated", id, etag: renamed.etag, assistant: renamed.assistant };
    for (const { page } of [reader, writer]) {
      await page.waitForFunction((id) => window.events.some((e) => e.type === "updated" && e.id === id), id);
    }
    // Each tab knows whose edit it was: the writer's client id crossed CORS as X-Client-Id.
    expect(await reader.page.evaluate(() => window.events)).toEqual([expect.objectContaining({ ...rename, own: false })]);
    expect(await writer.page.evaluate(() => window.events)).toEqual([expect.objectContaining({ ...rename, own: true })]);
    await Promise.all([reader.page.close(), writer.page.close()]);
  });

  it("a page on an origin CORS_ORIGINS does not list can neither read (CORS) nor subscribe (403)", async () => {
    const user = await newUser();
    const id = user.ids[0]!;
    const { page, errors } = await openTab(stack.disallowedOrigin, user.token);
    const before = await user.vapiCalls();
    const read = await page.evaluate(
      (id) => window.tab.getAssistant(id).then(
        () => "read",
        (e: Sdk.CacheApiError) => ({ name: e.name, status: e.status, code: e.code }),
      ),
      id,
    );
    expect(read).toEqual({ name: "UnavailableError", status: 0, code: "unreachable" });
    await expect.poll(() => errors.join("\n")).toMatch(/blocked by CORS policy/);
    expect(await user.vapiCalls()).toBe(before); // the preflight was refused: the read never left the browser

    // A browser cannot see an upgrade's status: the SDK reports a subscription that never gets ready.
    await subscribe(page);
    await reached(page, "reconnecting");
    expect((await page.evaluate(() => window.states)).map((s) => s.state)).not.toContain("ready");
    await expect.poll(() => errors.join("\n")).toMatch(/WebSocket .* failed: .*403/);
    await page.close();
  });

  // Once a manual check (docs/security.md): the page renders under its strict CSP.
  it("Swagger UI at /docs renders every operation of /openapi.json with no CSP violation or script error", async () => {
    const spec = (await (await fetch(`${stack.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(spec.paths).flatMap((ops) => Object.keys(ops).filter((k) => k !== "parameters")).length;
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    await page.addInitScript(() => {
      window.violations = [];
      document.addEventListener("securitypolicyviolation", (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(`${stack.baseUrl}/docs`);
    await page.waitForFunction((n) => document.querySelectorAll(".opblock").length === n, operations);
    expect(await page.title()).toBe("vapi-edge-cache API");
    expect({ violations: await page.evaluate(() => window.violations), pageErrors }).toEqual({ violations: [], pageErrors: [] });
    await page.close();
  });
});
