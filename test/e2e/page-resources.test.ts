// The dashboard page's phone numbers, squads and tools (issue 24) in headless Chromium, against
// the shared e2e stack: each user's org has the emulator's generated numbers (answered by its
// assistants or its squad), a squad of its assistants and three tools. Each list shows what Vapi
// holds, follows changes made elsewhere through the one events socket, edits a name with
// If-Match, and deletes; deleting an assistant never leaves its name on a number.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorAdmin } from "../../emulator/client.ts";
import { launchChromium } from "./browser.ts";
import { listed, openTab, seriousViolations, type Tab } from "./dashboard.ts";
import { newUser, stack } from "./helpers.ts";

const launched = await launchChromium();
const skipped = "skipped" in launched ? launched.skipped : undefined;
if (skipped) console.warn(`browser tests SKIPPED: ${skipped}`);

/** What the emulator's demo org has besides its assistants (emulator/demo.ts). */
const DEMO = { phoneNumbers: 4, squads: 1, tools: 3 };

describe.skipIf(skipped !== undefined)(`the dashboard page's other resources${skipped ? ` (SKIPPED: ${skipped})` : ""}`, () => {
  let browser: Browser;
  const vapi = emulatorAdmin(stack.emulatorUrl);
  beforeAll(() => {
    if ("browser" in launched) browser = launched.browser;
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function userWithTabs(n: number) {
    const user = await newUser(3, stack, DEMO);
    // Warm: every tab's lists are then cache hits, so a later miss on the page is a read of its own.
    const client = user.client();
    await Promise.all([client.getAssistants(), client.phoneNumbers.list(), client.squads.list(), client.tools.list()]);
    const context = await browser.newContext();
    const tabs: Tab[] = [];
    for (let i = 0; i < n; i++) {
      const tab = await openTab(context, stack.baseUrl, user);
      for (const list of ["phoneNumber", "squad", "tool"]) await tab.page.locator(`#${list}-list li[data-id]`).first().waitFor();
      tabs.push(tab);
    }
    return { user, tabs };
  }
  const line = (page: Page, list: string, id: string) => page.locator(`#${list}-list li[data-id="${id}"]`);
  const region = (page: Page, name: string) => page.getByRole("region", { name });
  const inList = (page: Page, list: string) => listed(page, `#${list}-list`);

  it("lists every phone number next to the assistant or squad it answers with, and a rename through the API arrives live", async () => {
    const { user, tabs: [a] } = await userWithTabs(1);
    const { page } = a!;
    const assistants = new Map((await vapi.assistants(user.key)).map((x) => [x.id, x.name as string]));
    const squads = new Map((await vapi.items(user.key, "squads")).map((x) => [x.id, x.name as string]));
    const numbers = await vapi.items(user.key, "phone-numbers");
    expect(Object.keys(await inList(page, "phoneNumber")).sort()).toEqual(numbers.map((x) => x.id).sort());
    for (const n of numbers) {
      const target = typeof n.squadId === "string" ? `squad ${squads.get(n.squadId)}` : assistants.get(n.assistantId as string);
      expect(await line(page, "phoneNumber", n.id).locator(".first").textContent()).toContain(`answers with ${target}`);
    }
    expect(await page.content()).not.toContain("fake-twilio-token"); // a Twilio number's credentials never reach a page

    const id = numbers[0]!.id;
    const { etag } = await user.client().phoneNumbers.get(id);
    await user.client().phoneNumbers.update(id, { name: "Main line" }, { expected: etag });
    await expect.poll(() => line(page, "phoneNumber", id).locator(".name").textContent()).toBe("Main line");
    expect(await line(page, "phoneNumber", id).getAttribute("data-served")).toBe("live");
    expect(a!.problems).toEqual([]);
  });

  it("renames a squad in one tab's editor with If-Match: the other tab shows it live, Vapi keeps its members", async () => {
    const { user, tabs: [a, b] } = await userWithTabs(2);
    const [squad] = await vapi.items(user.key, "squads");
    const squads = region(a!.page, "Your squads");
    await squads.getByRole("button", { name: `Edit ${squad!.name as string}` }).click();
    // A squad's editor has its name only.
    expect(await a!.page.locator("#field-system").isVisible()).toBe(false);
    await a!.page.getByLabel("Name").fill("Night desk");
    await a!.page.getByRole("button", { name: "Save" }).click();
    for (const { page } of [a!, b!]) await expect.poll(() => line(page, "squad", squad!.id).locator(".name").textContent()).toBe("Night desk");
    expect(await line(b!.page, "squad", squad!.id).getAttribute("data-served")).toBe("live");
    const inVapi = (await vapi.items(user.key, "squads")).find((x) => x.id === squad!.id)!;
    expect(inVapi).toMatchObject({ name: "Night desk", members: squad!.members });
    // The numbers that answer with it follow the rename.
    const number = (await vapi.items(user.key, "phone-numbers")).find((n) => n.squadId === squad!.id)!;
    await expect.poll(() => line(b!.page, "phoneNumber", number.id).locator(".first").textContent()).toContain("squad Night desk");
  });

  it("shows tools by their names, renames a function tool keeping its parameters, and a delete leaves both tabs and Vapi", async () => {
    const { user, tabs: [a, b] } = await userWithTabs(2);
    const tools = await vapi.items(user.key, "tools");
    const fn = tools.find((t) => t.type === "function")!;
    const endCall = tools.find((t) => t.type === "endCall")!;
    const fnName = (fn.function as { name: string }).name;
    expect(await line(a!.page, "tool", fn.id).locator(".name").textContent()).toBe(fnName);
    // Vapi's endCall tool has no name to edit: no Edit button, still a Delete one.
    expect(await line(a!.page, "tool", endCall.id).locator(".edit").isVisible()).toBe(false);

    await region(a!.page, "Your tools").getByRole("button", { name: `Edit ${fnName}` }).click();
    await a!.page.getByLabel("Name").fill("find_order");
    await a!.page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => line(b!.page, "tool", fn.id).locator(".name").textContent()).toBe("find_order");
    const renamed = (await vapi.items(user.key, "tools")).find((t) => t.id === fn.id)!;
    expect(renamed.function).toEqual({ ...(fn.function as object), name: "find_order" });

    await region(a!.page, "Your tools").getByRole("button", { name: "Delete endCall tool" }).click();
    for (const { page } of [a!, b!]) await expect.poll(async () => Object.keys(await inList(page, "tool"))).not.toContain(endCall.id);
    expect((await vapi.items(user.key, "tools")).map((t) => t.id)).not.toContain(endCall.id);
  });

  it("deleting an assistant updates the numbers view in every tab: its name is gone, and the number is read again", async () => {
    const { user, tabs: [a, b] } = await userWithTabs(2);
    const number = (await vapi.items(user.key, "phone-numbers")).find((n) => typeof n.assistantId === "string")!;
    const assistantId = number.assistantId as string;
    const name = (await vapi.assistants(user.key)).find((x) => x.id === assistantId)!.name as string;
    expect(await line(b!.page, "phoneNumber", number.id).locator(".first").textContent()).toContain(`answers with ${name}`);
    for (const { page } of [a!, b!]) expect(await line(page, "phoneNumber", number.id).getAttribute("data-served")).toBe("hit");

    // Each tab reads the number again (the deleting one from its answer, the other from the event).
    const path = `/api/phone-numbers/${number.id}`;
    const rereads = [a!, b!].map(({ page }) => page.waitForRequest((r) => r.method() === "GET" && new URL(r.url()).pathname === path));
    await region(a!.page, "Your assistants").getByRole("button", { name: `Delete ${name}` }).click();
    await Promise.all(rereads);
    for (const { page } of [a!, b!]) {
      const text = () => line(page, "phoneNumber", number.id).locator(".first").textContent();
      await expect.poll(text).toContain("answers with an assistant that is not in your list");
      expect(await text()).not.toContain(name);
    }
    // The first of those reads came from Vapi (the service no longer trusted its copy); the other
    // may be a hit on what it brought, depending on which tab asked first.
    const kinds = () => Promise.all([a!, b!].map(({ page }) => line(page, "phoneNumber", number.id).getAttribute("data-served")));
    await expect.poll(async () => (await kinds()).some((k) => k === "miss" || k === "revalidated")).toBe(true);
    // Members of a squad that named it are not shown by the deleted name either.
    for (const { page } of [a!, b!]) expect(await page.locator("#squad-list").textContent()).not.toContain(name);
  });

  it("has no serious or critical axe-core violations with every list, at desktop and phone width, and renaming a phone number", async () => {
    const { user, tabs: [a] } = await userWithTabs(1);
    const { page } = a!;
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(viewport);
      expect(await seriousViolations(page), `listed at ${viewport.width} px`).toEqual([]);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const [number] = await vapi.items(user.key, "phone-numbers");
    await region(page, "Your phone numbers").getByRole("button", { name: `Edit ${number!.name as string}` }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("field-name");
    expect(await seriousViolations(page), "editing").toEqual([]);
    await page.getByRole("button", { name: "Cancel" }).click();
  });
});
