import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe("npm start", () => {
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child?.exitCode === null) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGINT");
      await exited;
    }
  });

  it("comes up unattended and prints a curl line that lists the demo assistants as printed", async () => {
    const [port, emulatorPort] = [await freePort(), await freePort()];
    child = spawn("node", ["scripts/start.ts"], {
      env: { ...process.env, PORT: String(port), VAPI_EMULATOR_PORT: String(emulatorPort) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const curl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no curl line within 90 s:\n${out}`)), 90_000);
      child!.stdout!.on("data", () => {
        const line = /^curl .*$/m.exec(out)?.[0];
        if (line) {
          clearTimeout(timer);
          resolve(line);
        }
      });
      child!.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${out}`)));
    });
    expect(curl).toContain(`http://127.0.0.1:${port}/api/assistants`);

    const body = JSON.parse(execFileSync("sh", ["-c", `${curl} -s`], { encoding: "utf8" })) as {
      assistants: { name: string }[];
      cached: boolean;
    };
    expect(body.assistants.map((a) => a.name)).toContain("Sales Agent");
    expect(body.assistants.length).toBeGreaterThanOrEqual(5);

    const exited = new Promise<number | null>((resolve) => child!.once("exit", resolve));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${emulatorPort}/assistant`)).rejects.toThrow();
  }, 120_000);
});
