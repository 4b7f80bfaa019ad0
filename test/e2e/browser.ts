// Headless Chromium for the browser tests: the binary ships in the npm package
// @sparticuz/chromium (installed by `npm ci`, nothing downloaded at run time), driven by
// playwright-core. Where it cannot run, the caller reports the tests as skipped with the reason.
import chromium from "@sparticuz/chromium";
import { type Browser, chromium as playwright } from "playwright-core";

// Flags of the package's serverless set that would change what the tests observe:
const DROPPED = new Set([
  "--single-process", // one renderer for every page: real tabs each get their own
  "--disable-web-security", // turns CORS off, which the disallowed-origin test relies on
  "--allow-running-insecure-content",
  "--disable-site-isolation-trials",
]);

export type Launched = { browser: Browser } | { skipped: string };

export async function launchChromium(): Promise<Launched> {
  // The package's binary is built for Linux (x64; its arm64 builds are published apart).
  if (process.platform !== "linux" || (process.arch !== "x64" && process.arch !== "arm64")) {
    return { skipped: `no Chromium from @sparticuz/chromium for ${process.platform}/${process.arch}` };
  }
  try {
    const executablePath = await chromium.executablePath();
    const args = chromium.args.filter((a) => !DROPPED.has(a));
    return { browser: await playwright.launch({ executablePath, args, headless: true, timeout: 30_000 }) };
  } catch (err) {
    return { skipped: `Chromium from @sparticuz/chromium did not start: ${String(err).split("\n")[0]}` };
  }
}
