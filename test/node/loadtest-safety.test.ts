import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Refusals happen before any request, so these never open a connection.
const NODE = "node_modules/.bin/node";
const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzYWZldHkifQ.c2lnbmF0dXJlLW5vdC1jaGVja2Vk";

function run(args: string[]) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = execFile(NODE, ["bench/loadtest.ts", ...args], { timeout: 15_000 }, (_err, stdout, stderr) =>
      resolve({ code: child.exitCode, out: stdout + stderr }),
    );
  });
}

describe("npm run loadtest refuses unsafe runs", () => {
  it("refuses plain http to a host that is not loopback, without printing the token", async () => {
    const { code, out } = await run(["--url", "http://cache.example.com", "--token", TOKEN]);
    expect(code).toBe(2);
    expect(out).toContain("--url must be https://");
    expect(out).not.toContain(TOKEN);
  });

  it("never echoes a token given in the wrong place", async () => {
    const { code, out } = await run(["--url", "https://cache.example.com", TOKEN]);
    expect(code).toBe(2);
    expect(out).toContain("<token>");
    expect(out).not.toContain(TOKEN);
  });

  it("refuses a duration over ten minutes and two tokens of one user", async () => {
    const over = await run(["--url", "https://cache.example.com", "--token", TOKEN, "--duration", "11m"]);
    expect(over.code).toBe(2);
    expect(over.out).toContain("--duration must be 1s–600s");
    const dir = mkdtempSync(join(tmpdir(), "loadtest-safety-"));
    try {
      writeFileSync(join(dir, "tokens"), `${TOKEN}\n${TOKEN}\n`);
      const twice = await run(["--url", "https://cache.example.com", "--tokens", join(dir, "tokens")]);
      expect(twice.code).toBe(2);
      expect(twice.out).toContain("same user (sub safety)");
      expect(twice.out).not.toContain(TOKEN);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
