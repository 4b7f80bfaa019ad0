import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkUrl, parseOptions } from "../../bench/loadtest/options.ts";

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
  }, 20_000);

  it("never echoes a token given in the wrong place", async () => {
    const { code, out } = await run(["--url", "https://cache.example.com", TOKEN]);
    expect(code).toBe(2);
    expect(out).toContain("<token>");
    expect(out).not.toContain(TOKEN);
  }, 20_000);

  it("refuses a duration over ten minutes, and two tokens of one user", () => {
    const base = ["--url", "https://cache.example.com"];
    expect(() => parseOptions([...base, "--token", TOKEN, "--duration", "11m"])).toThrow("--duration must be 1s–600s");
    const dir = mkdtempSync(join(tmpdir(), "loadtest-safety-"));
    try {
      writeFileSync(join(dir, "tokens"), `# two of one user\n${TOKEN}\n\n${TOKEN}\n`);
      expect(() => parseOptions([...base, "--tokens", join(dir, "tokens")])).toThrow(/^two tokens are for the same user \(sub safety\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("accepts plain http only on loopback", () => {
    expect(checkUrl("http://127.0.0.1:8787/")).toBe("http://127.0.0.1:8787");
    expect(checkUrl("http://localhost:8787")).toBe("http://localhost:8787");
    expect(checkUrl("https://cache.example.com/base/")).toBe("https://cache.example.com/base");
    expect(() => checkUrl("http://10.0.0.5:8787")).toThrow("--url must be https://");
    expect(() => checkUrl("http://127.0.0.1.example.com")).toThrow("--url must be https://");
  });
});
