// `npm run screenshots`: regenerates docs/page-desktop.png and docs/page-phone.png from the real
// page. It starts npm start's stack (scripts/stack.ts, demo org, free ports, its own temporary
// state), signs in as the demo user the way npm start's printed URL does, makes a few reads so
// the cache panel has something to draw, and shoots at desktop and phone width in headless
// Chromium (the browser tests' launcher). Nothing is left running.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { launchChromium } from "../test/e2e/browser.ts";
import { Stack } from "./stack.ts";

const OUT = join(import.meta.dirname, "..", "docs");
const SHOTS = [
  { file: "page-desktop.png", viewport: { width: 1280, height: 820 }, fullPage: true },
  // One screen: with four lists the whole page is several phone screens long.
  { file: "page-phone.png", viewport: { width: 390, height: 844 }, fullPage: false },
];

const dir = mkdtempSync(join(tmpdir(), "vapi-edge-cache-shots-"));
const jwtSecret = randomBytes(32).toString("base64url");
const stack = new Stack({
  port: 0,
  emulatorPort: 0,
  demo: true,
  persistTo: join(dir, "state"),
  secrets: { JWT_SECRET: jwtSecret, ENCRYPTION_KEY: randomBytes(32).toString("base64") },
  verbose: process.env.VERBOSE !== undefined,
});
process.on("exit", () => stack.kill());
try {
  await stack.start();
  const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("demo").setIssuedAt().setExpirationTime("10m").sign(new TextEncoder().encode(jwtSecret));
  const auth = { Authorization: `Bearer ${token}` };
  const put = await fetch(`${stack.url}/api/settings/vapi-key`, { method: "PUT", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify({ privateKey: "dev-vapi-key" }) });
  if (put.status !== 204) throw new Error(`storing the demo key answered ${put.status}`);
  const launched = await launchChromium();
  if ("skipped" in launched) throw new Error(`no browser: ${launched.skipped}`);
  const page = await launched.browser.newPage();
  await page.goto(`${stack.url}/app#token=${token}`);
  await page.locator('#connection[data-state="live"]').waitFor();
  // Signed in again (the token stays in the tab's sessionStorage): the list now comes from the cache.
  await page.reload();
  await page.locator('#connection[data-state="live"]').waitFor();
  for (const list of ["list", "phoneNumber-list", "squad-list", "tool-list"]) await page.locator(`#${list} li[data-id]`).first().waitFor();
  // A few polls' worth of traffic: repeat reads (hits), one a forced revalidation (an upstream
  // call), between the panel's samples, so its charts have points.
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 2 + (i % 3) * 3; j++) await fetch(`${stack.url}/api/assistants`, { headers: auth });
    if (i === 3) await fetch(`${stack.url}/api/assistants`, { headers: { ...auth, "Cache-Control": "no-cache" } });
    await page.waitForTimeout(3100); // one stats poll per round
  }
  for (const { file, viewport, fullPage } of SHOTS) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(OUT, file), fullPage });
    console.log(`wrote docs/${file}`);
  }
  await launched.browser.close();
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
