import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { assistantSchema, call } from "../../emulator/client.ts";

// The CLI runs under Node's own type stripping (no vitest transform), as `npm run emulator` does.
const NODE = "node_modules/.bin/node";

function run(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(NODE, ["emulator/cli.ts", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

async function firstLine(child: ChildProcess): Promise<string> {
  let output = "";
  for await (const chunk of child.stdout ?? []) {
    output += String(chunk);
    if (output.includes("\n")) break;
  }
  return output.split("\n")[0] ?? "";
}

describe("cli", () => {
  it("serves the demo org on the port from the environment and stops on SIGTERM", async () => {
    const child = run(["--demo", "--latency", "1-2"], { VAPI_EMULATOR_PORT: "0" });
    try {
      const line = await firstLine(child);
      expect(line).toMatch(/^vapi emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
      const url = line.replace("vapi emulator listening on ", "");
      const listed = await call(url, "GET", "/assistant", { key: "dev-vapi-key" });
      expect(listed.status).toBe(200);
      const names = z.array(assistantSchema).parse(listed.json).map((a) => a.name);
      expect(names).toContain("Sales Agent");
      expect(new Set(names).size).toBe(names.length);
    } finally {
      child.kill("SIGTERM");
    }
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });

  it("documents its flags and env vars in --help, and refuses a bad latency", async () => {
    const help = run(["--help"]);
    let text = "";
    for await (const chunk of help.stdout ?? []) text += String(chunk);
    for (const word of ["--port", "--latency", "--demo", "VAPI_EMULATOR_PORT", "VAPI_EMULATOR_LATENCY"]) {
      expect(text).toContain(word);
    }
    const bad = run(["--port", "0", "--latency", "500-200"]);
    const [code] = await once(bad, "exit");
    expect(code).toBe(2);
  });
});
