// The dashboard page (/app, issue 22) in headless Chromium against its own stack: tabs of one
// user stay in step without reloads, conflicts end in one version, edits made in Vapi arrive by
// refresh-ahead, users see only their own, the page rides out a Worker restart, and axe-core
// finds nothing serious. Every tab is driven as a user would: labels, roles, the keyboard.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorAdmin } from "../../emulator/client.ts";
import type { Stack } from "../../scripts/stack.ts";
import { launchChromium } from "./browser.ts";
import { listed, openTab, seriousViolations, startPageStack, type Tab } from "./dashboard.ts";
import { newUser, type Target } from "./helpers.ts";

const launched = await launchChromium();
const skipped = "skipped" in launched ? launched.skipped : undefined;
if (skipped) console.warn(`browser tests SKIPPED: ${skipped}`);

describe.skipIf(skipped !== undefined)(`the dashboard page${skipped ? ` (SKIPPED: ${skipped})` : ""}`, () => {
  let browser: Browser;
  let stack: Stack;
  let target: Target;
  let stopStack: () => Promise<void>;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    if ("browser" in launched) browser = launched.browser;
    ({ stack, target, stop: stopStack } = await startPageStack());
  });
  afterAll(async () => {
    await browser?.close();
    await stopStack?.();
  });

  /** A user with `n` tabs of the page (one browser profile, as tabs of one browser). */
  async function userWithTabs(n: number) {
    const user = await newUser(3, target);
    const context = await browser.newContext();
    contexts.push(context);
    const tabs: Tab[] = [];
    for (let i = 0; i < n; i++) tabs.push(await openTab(context, target.baseUrl, user));
    return { user, tabs, vapi: emulatorAdmin(target.emulatorUrl) };
  }
  const nameIn = (page: Page, id: string) => page.locator(`#list li[data-id="${id}"] .name`);
  const editorSays = (page: Page, text: string) => expect.poll(() => page.locator("#editor-note").textContent()).toContain(text);

  it("an edit saved in one tab, by keyboard alone, appears in the other tab without a reload, marked as pushed live", async () => {
    const { user, tabs: [a, b] } = await userWithTabs(2);
    const id = user.ids[0]!;
    const name = (await nameIn(a!.page, id).textContent())!;
    const { page } = a!;
    await page.getByRole("button", { name: `Edit ${name}` }).focus();
    await page.keyboard.press("Enter");
    // Focus order: the editor's fields in reading order, then Save.
    const focused = () => page.evaluate(() => document.activeElement?.id);
    expect(await focused()).toBe("field-name");
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type("Renamed in tab A");
    for (const next of ["field-first-message", "field-system", "save"]) {
      await page.keyboard.press("Tab");
      expect(await focused()).toBe(next);
    }
    await page.keyboard.press("Enter");
    await expect.poll(() => nameIn(page, id).textContent()).toBe("Renamed in tab A");
    // Focus returns to where the edit started.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Edit Renamed in tab A");
    await expect.poll(() => nameIn(b!.page, id).textContent()).toBe("Renamed in tab A");
    expect(await b!.page.locator(`#list li[data-id="${id}"]`).getAttribute("data-served")).toBe("live");
    expect(await a!.page.locator(`#list li[data-id="${id}"]`).getAttribute("data-served")).toBe("written");
    expect([...a!.problems, ...b!.problems]).toEqual([]);
  });

  for (const keep of ["mine", "theirs"] as const) {
    it(`a conflicting edit shows both versions; keeping ${keep} ends in one version in both tabs and in Vapi`, async () => {
      const { user, tabs: [a, b], vapi } = await userWithTabs(2);
      const id = user.ids[1]!;
      const name = (await nameIn(a!.page, id).textContent())!;
      await b!.page.getByRole("button", { name: `Edit ${name}` }).click();
      await b!.page.getByLabel("Name").fill("B's name");
      await b!.page.getByLabel("System prompt").fill("B's prompt");
      await a!.page.getByRole("button", { name: `Edit ${name}` }).click();
      await a!.page.getByLabel("Name").fill("A's name");
      await a!.page.getByRole("button", { name: "Save" }).click();
      await editorSays(b!.page, "Changed elsewhere");
      await b!.page.getByRole("button", { name: "Save" }).click();

      const conflict = b!.page.getByRole("region", { name: "Someone else saved this assistant first" });
      await conflict.waitFor();
      await expect.poll(() => b!.page.evaluate(() => document.activeElement?.id)).toBe("conflict-title");
      expect(await b!.page.locator("#conflict-mine").textContent()).toContain("B's name");
      expect(await b!.page.locator("#conflict-theirs").textContent()).toContain("A's name");
      expect(await seriousViolations(b!.page)).toEqual([]);
      await conflict.getByRole("button", { name: keep === "mine" ? "Keep mine" : "Keep theirs" }).click();

      const winner = keep === "mine" ? "B's name" : "A's name";
      for (const { page } of [a!, b!]) await expect.poll(() => nameIn(page, id).textContent()).toBe(winner);
      const inVapi = (await vapi.assistants(user.key)).find((x) => x.id === id)!;
      expect(inVapi.name).toBe(winner);
      const system = (inVapi.model as { messages: { role: string; content: string }[] }).messages.find((m) => m.role === "system")!;
      if (keep === "mine") expect(system.content).toBe("B's prompt");
      else expect(system.content).not.toBe("B's prompt");
    });
  }

  it("a delete in one tab disappears from both, and from Vapi", async () => {
    const { user, tabs: [a, b], vapi } = await userWithTabs(2);
    const id = user.ids[2]!;
    const name = (await nameIn(a!.page, id).textContent())!;
    await a!.page.getByRole("button", { name: `Delete ${name}` }).click();
    for (const { page } of [a!, b!]) await expect.poll(async () => Object.keys(await listed(page))).not.toContain(id);
    expect((await vapi.assistants(user.key)).map((x) => x.id)).not.toContain(id);
  });

  it("a new assistant created in one tab appears in the other", async () => {
    const { tabs: [a, b] } = await userWithTabs(2);
    await a!.page.getByRole("button", { name: "New assistant" }).click();
    await a!.page.getByLabel("Name").fill("Made in tab A");
    await a!.page.getByLabel("First message").fill("Hello from A");
    await a!.page.getByRole("button", { name: "Save" }).click();
    for (const { page } of [a!, b!]) await expect.poll(async () => Object.values(await listed(page))).toContain("Made in tab A");
  });

  it("an edit made in Vapi behind the cache's back reaches an open tab by refresh-ahead, with no reload or refresh click", async () => {
    const { user, tabs: [a], vapi } = await userWithTabs(1);
    const id = user.ids[0]!;
    await vapi.patchBehindBack(user.key, id, { name: "Edited in Vapi" });
    await expect.poll(() => nameIn(a!.page, id).textContent(), { timeout: 15_000 }).toBe("Edited in Vapi");
    expect(await a!.page.locator(`#list li[data-id="${id}"] .served`).textContent()).toContain("edited in Vapi");
  });

  it("a second user sees none of the first user's assistants or changes", async () => {
    const one = await userWithTabs(2);
    const two = await userWithTabs(1);
    const [a, b] = one.tabs;
    const [c] = two.tabs;
    await a!.page.getByRole("button", { name: "New assistant" }).click();
    await a!.page.getByLabel("Name").fill("Only for user one");
    await a!.page.getByRole("button", { name: "Save" }).click();
    await expect.poll(async () => Object.values(await listed(b!.page))).toContain("Only for user one"); // delivered by now
    const seen = await listed(c!.page);
    expect(Object.keys(seen).sort()).toEqual([...two.user.ids].sort());
    expect(Object.values(seen)).not.toContain("Only for user one");
  });

  it("the page at desktop and phone width has no serious or critical axe-core violations, signed out, listed and editing", async () => {
    const { user, tabs: [a] } = await userWithTabs(1);
    const { page } = a!;
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(viewport);
      expect(await seriousViolations(page), `listed at ${viewport.width} px`).toEqual([]);
      await page.getByRole("button", { name: `Edit ${await nameIn(page, user.ids[0]!).textContent()}` }).click();
      expect(await seriousViolations(page), `editing at ${viewport.width} px`).toEqual([]);
      await page.getByRole("button", { name: "Cancel" }).click();
    }
    // Nothing wider than a phone: no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const signedOut = await browser.newPage();
    await signedOut.goto(`${target.baseUrl}/app`);
    await signedOut.getByLabel("Token (a JWT for this service)").waitFor();
    expect(await seriousViolations(signedOut), "signed out").toEqual([]);
    await signedOut.close();
  });

  // Last: it restarts this file's Worker.
  it("survives the Worker restarting: shows offline, then live again, and changes flow again", async () => {
    const { user, tabs: [a] } = await userWithTabs(1);
    const { page } = a!;
    const offline = page.locator('#connection[data-state="offline"]').waitFor({ timeout: 60_000 });
    const restarted = stack.restartWorker();
    await offline;
    expect(await page.locator("#connection").textContent()).toMatch(/^Offline · retrying in \d+ s$/);
    await restarted;
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: 30_000 });
    const id = user.ids[0]!;
    const { etag } = await user.client().getAssistant(id);
    await user.client().updateAssistant(id, { name: "After the restart" }, { expected: etag });
    await expect.poll(() => nameIn(page, id).textContent()).toBe("After the restart");
  });
});
