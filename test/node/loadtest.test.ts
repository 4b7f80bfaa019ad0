import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { freePort, ROOT } from "../../bench/lib/procs.ts";
import { snapshotProduct } from "../../bench/lib/servers.ts";

// `npm start`'s stack, as start.test.ts runs it, but from a copy of the product with its own
// .wrangler state and .dev.vars, so it never shares local D1 or Durable Objects with another run.
const tmp = mkdtempSync(join(tmpdir(), "vapi-loadtest-test-"));
let dir = "";
let stack: ChildProcess | undefined;
let base = "";
let emulator = "";
let demoToken = "";

const Report = z.object({
  requests: z.number(),
  answered: z.number(),
  errors: z.number(),
  cutOff: z.number(),
  statuses: z.record(z.string(), z.number()),
  cacheStatus: z.record(z.string(), z.number()),
  cacheStatusByResource: z.record(z.string(), z.record(z.string(), z.number())),
  upstreamCalls: z.number(),
  users: z.array(
    z.object({ user: z.string(), requests: z.number(), upstreamCalls: z.number(), hits: z.number(), misses: z.number(), coalesced: z.number(), writes: z.number() }),
  ),
});
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** `npm run loadtest -- args`: its exit code, what it printed, and the JSON report it wrote. */
function loadtest(args: string[]) {
  const json = join(tmp, `report-${Math.random().toString(36).slice(2)}.json`);
  return new Promise<{ code: number | null; out: string; report: z.infer<typeof Report>; raw: string }>((resolve, reject) => {
    execFile("npm", ["run", "--silent", "loadtest", "--", "--url", base, "--json", json, ...args], { cwd: ROOT, timeout: 50_000 }, (err, stdout, stderr) => {
      const out = stdout + stderr;
      if (!existsSync(json)) return reject(new Error(`npm run loadtest wrote no report (${err?.message ?? "exit 0"}):\n${out}`));
      const raw = readFileSync(json, "utf8");
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, out, report: Report.parse(JSON.parse(raw)), raw });
    });
  });
}

/**
 * A user nobody has read yet, so its first list read is cold. With `org`, the user gets its own
 * emulator org whose answers take 300 ms, as real Vapi's do: concurrent reads then overlap the
 * upstream read instead of arriving after it.
 */
async function freshUser(sub: string, org?: { key: string }): Promise<string> {
  const admin = `${emulator}/__emulator`;
  const json = { "Content-Type": "application/json" };
  if (org) {
    expect((await fetch(`${admin}/orgs`, { method: "POST", headers: json, body: JSON.stringify({ privateKey: org.key, assistants: 20 }) })).status).toBe(201);
    const slow = { latencyMs: { min: 300, max: 300 }, keys: [org.key] };
    expect((await fetch(`${admin}/faults`, { method: "PUT", headers: json, body: JSON.stringify(slow) })).ok).toBe(true);
  }
  const token = execFileSync(process.execPath, [join(ROOT, "scripts/token.ts"), sub], { cwd: dir, encoding: "utf8" }).trim();
  const res = await fetch(`${base}/api/settings/vapi-key`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${token}`, ...json },
    body: JSON.stringify({ privateKey: org?.key ?? "dev-vapi-key" }),
  });
  expect(res.status).toBe(204);
  return token;
}

/** The emulator's count of Vapi requests made with `key` (an independent check of the stats). */
async function vapiCalls(key: string): Promise<number> {
  const counters = z.object({ byKey: z.record(z.string(), z.number()) }).parse(await (await fetch(`${emulator}/__emulator/requests`)).json());
  return counters.byKey[key] ?? 0;
}

beforeAll(async () => {
  dir = snapshotProduct(join(tmp, "product")).dir;
  const [port, emulatorPort] = [await freePort(), await freePort()];
  // Without the test suite's own secrets: the stack signs and verifies with its .dev.vars.
  const { JWT_SECRET: _j, ENCRYPTION_KEY: _e, ...env } = process.env;
  stack = spawn(process.execPath, [join(ROOT, "scripts/start.ts")], {
    cwd: dir,
    detached: true,
    env: { ...env, PATH: `${ROOT}node_modules/.bin:${env.PATH ?? ""}`, PORT: String(port), VAPI_EMULATOR_PORT: String(emulatorPort) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no token within 90 s:\n${out}`)), 90_000);
    stack?.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(out)?.[1];
      if (token && /^curl /m.test(out)) {
        clearTimeout(timer);
        demoToken = token;
        resolve();
      }
    });
    stack?.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${out}`)));
  });
  base = `http://127.0.0.1:${port}`;
  emulator = `http://127.0.0.1:${emulatorPort}`;
}, 100_000);

afterAll(async () => {
  const pid = stack?.pid;
  if (stack && pid && stack.exitCode === null) {
    const exited = new Promise((resolve) => stack?.once("exit", resolve));
    stack.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    try {
      process.kill(-pid, "SIGKILL"); // whatever of its process group outlived it (workerd)
    } catch {
      // already gone
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}, 20_000);

describe("npm run loadtest against npm start", () => {
  it("reports hot reads of all four resources whose counts add up, and no upstream call for a warm user", async () => {
    const tokens = join(tmp, "demo.tokens");
    writeFileSync(tokens, `# the demo user\n${demoToken}\n`);
    const { code, out, report, raw } = await loadtest(["--tokens", tokens, "--scenario", "hot", "--duration", "2s", "--connections", "4"]);
    expect(code, out).toBe(0);
    expect(report.answered).toBeGreaterThan(0);
    expect(report.requests).toBe(report.answered + report.errors + report.cutOff);
    expect(report.statuses).toEqual({ "200": report.answered });
    expect(sum(report.cacheStatus)).toBe(report.answered);
    expect(report.cacheStatus.hit).toBe(report.answered);
    // The mix reads the demo user's phone numbers, tools and squads too, each answered from the cache.
    expect(Object.keys(report.cacheStatusByResource).sort()).toEqual(["assistants", "phone-numbers", "squads", "tools"]);
    for (const counts of Object.values(report.cacheStatusByResource)) expect(Object.keys(counts)).toEqual(["hit"]);
    expect(sum(Object.fromEntries(Object.entries(report.cacheStatusByResource).map(([r, c]) => [r, c.hit ?? 0])))).toBe(report.answered);
    const [demo] = report.users;
    expect(demo?.requests).toBe(report.requests);
    // The server counted every answered read, and at most the ones cut off at the end besides.
    const served = (demo?.hits ?? 0) + (demo?.misses ?? 0) + (demo?.coalesced ?? 0);
    expect(served).toBeGreaterThanOrEqual(report.answered);
    expect(served).toBeLessThanOrEqual(report.requests);
    expect(report.upstreamCalls).toBe(0);
    expect(out).toContain(`${report.requests} requests, 0 upstream call(s)`);
    expect(out + raw).not.toContain(demoToken);
  }, 60_000);

  it("shows a stampede of 40 cold reads costing exactly one upstream call", async () => {
    const key = `stampede-key-${Date.now()}`;
    const token = await freshUser(`stampede-${Date.now()}`, { key });
    const vapiBefore = await vapiCalls(key);
    const { code, out, report, raw } = await loadtest(["--token", token, "--scenario", "stampede", "--connections", "40"]);
    expect(code, out).toBe(0);
    expect(report.statuses).toEqual({ "200": 40 });
    expect(report.users[0]?.upstreamCalls).toBe(1);
    expect(report.users[0]?.misses).toBe(1);
    expect(report.upstreamCalls).toBe(1);
    expect(await vapiCalls(key)).toBe(vapiBefore + 1);
    expect(report.cacheStatus.miss).toBe(1);
    // The others waited for that one read (or, arriving after it, were hits): none went upstream.
    expect(report.cacheStatus.collapsed).toBeGreaterThan(0);
    expect(report.cacheStatus.collapsed).toBe(report.users[0]?.coalesced);
    expect((report.cacheStatus.hit ?? 0) + (report.cacheStatus.miss ?? 0) + (report.cacheStatus.collapsed ?? 0)).toBe(40);
    expect(out).toContain("40 requests, 1 upstream call(s)");
    expect(out + raw).not.toContain(token);
  }, 60_000);

  it("reads each user's counters with its own token in a mixed run", async () => {
    const other = await freshUser(`mixed-${Date.now()}`);
    const tokens = join(tmp, "mixed.tokens");
    writeFileSync(tokens, `${demoToken}\n${other}\n`);
    const { code, out, report, raw } = await loadtest(["--tokens", tokens, "--scenario", "mixed", "--duration", "2s", "--connections", "4"]);
    expect(code, out).toBe(0);
    expect(report.users.map((u) => u.user)).toEqual(["demo", expect.stringMatching(/^mixed-/)]);
    expect(sum(report.statuses)).toBe(report.answered);
    expect(report.users.reduce((n, u) => n + u.requests, 0)).toBe(report.requests);
    for (const u of report.users) {
      // Each user's own counters match that user's own requests (less what was cut off at the end).
      const served = u.hits + u.misses + u.coalesced + u.writes;
      expect(served).toBeLessThanOrEqual(u.requests);
      expect(served).toBeGreaterThanOrEqual(u.requests - report.cutOff);
    }
    expect(report.upstreamCalls).toBeGreaterThanOrEqual(report.cacheStatus.write ?? 0);
    expect(out + raw).not.toContain(demoToken);
    expect(out + raw).not.toContain(other);
  }, 60_000);
});
