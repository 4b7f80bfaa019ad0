import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { Stack, StartError } from "../../scripts/stack.ts";
import { bundleSdk, servePage } from "./pages.ts";

/**
 * One stack for every e2e file, the one `npm start` runs (scripts/stack.ts) on free loopback
 * ports: the Vapi emulator, the Worker under `wrangler dev` with its own D1 state in a temporary
 * directory and secrets made for this run, and two page servers (two origins; CORS_ORIGINS
 * allows the first). Settings are npm start's defaults, rate limits included.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "vapi-edge-cache-e2e-"));
  const sdk = await bundleSdk();
  const [allowed, disallowed] = await Promise.all([servePage(sdk), servePage(sdk)]);
  const jwtSecret = randomBytes(32).toString("base64url");
  const started = Date.now();
  const stack = new Stack({
    port: 0,
    emulatorPort: 0,
    persistTo: join(dir, "state"),
    secrets: { JWT_SECRET: jwtSecret, ENCRYPTION_KEY: randomBytes(32).toString("base64") },
    vars: { CORS_ORIGINS: allowed.origin },
    verbose: process.env.VERBOSE !== undefined,
  });
  const cleanUp = async () => {
    await stack.stop();
    await Promise.all([allowed.close(), disallowed.close()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await stack.start();
  } catch (err) {
    await cleanUp();
    const hint = err instanceof StartError ? `; ${err.hint}` : "";
    throw new Error(`the e2e stack did not start: ${String(err)}${hint}\n${stack.output()}`);
  }
  console.log(`e2e stack: Worker ${stack.url}, emulator ${stack.emulator!.url}, started in ${Date.now() - started} ms`);

  project.provide("e2e", {
    baseUrl: stack.url,
    emulatorUrl: stack.emulator!.url,
    jwtSecret,
    allowedOrigin: allowed.origin,
    disallowedOrigin: disallowed.origin,
  });

  return cleanUp;
}
