// `npm start` as a newcomer runs it: the first command on a fresh clone, under the machine's own
// Node (not the project's), and it must never leave a server behind when it fails.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1")
      .once("connect", () => resolve(!socket.destroy()))
      .once("error", () => resolve(false));
  });

// The environment of a new shell: no npm/vitest variables and no node_modules/.bin on PATH, so
// `npm` and `node` are the machine's.
const machineEnv = (): NodeJS.ProcessEnv => {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(npm_|VITEST|TEST$|NODE_OPTIONS$)/i.test(k)),
  );
  env.PATH = (process.env.PATH ?? "").split(delimiter).filter((p) => !p.includes("node_modules")).join(delimiter);
  return env;
};

/** Processes still running from the clone (wrangler and workerd name it in their arguments). */
const leftovers = (dir: string) =>
  execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(dir));

/** Runs `npm start` in `dir` in its own process group, like a terminal's foreground job. */
function npmStart(dir: string, ports: { port: number; emulatorPort: number }) {
  const child = spawn("npm", ["start"], {
    cwd: dir,
    detached: true,
    env: { ...machineEnv(), PORT: String(ports.port), VAPI_EMULATOR_PORT: String(ports.emulatorPort) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal)),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  return { child, exited, alive, output: () => out };
}

/** The first line of the output matching `pattern`; fails if the process exits or time runs out. */
async function waitForLine(run: ReturnType<typeof npmStart>, pattern: RegExp, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && run.alive()) {
    const line = pattern.exec(run.output())?.[0];
    if (line) return line;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no line matching ${pattern} (exited: ${!run.alive()}):\n${run.output()}`);
}

const ctrlC = (child: ChildProcess) => process.kill(-child.pid!, "SIGINT");

describe("npm start on a fresh clone", () => {
  const dir = mkdtempSync(join(tmpdir(), "vapi-edge-cache-clone-"));
  const env = machineEnv();
  const machineNode = execFileSync("node", ["--version"], { env, encoding: "utf8" }).trim();
  let running: ReturnType<typeof npmStart> | undefined;

  beforeAll(() => {
    execFileSync("git", ["clone", "--quiet", ROOT, dir], { env });
    console.log(`fresh clone of HEAD in ${dir}; the machine's Node on PATH is ${machineNode}`);
  }, 60_000);
  afterAll(async () => {
    if (running?.alive()) {
      ctrlC(running.child);
      await running.exited;
    }
    rmSync(dir, { recursive: true, force: true });
    // Removing a clone's ~500 MB node_modules takes more than the default 10 s on a busy machine.
  }, 60_000);

  it("installs everything as the first command and prints a curl line that works as printed, and the page's URL", async () => {
    const ports = { port: await freePort(), emulatorPort: await freePort() };
    running = npmStart(dir, ports);
    const curl = await waitForLine(running, /^curl .*$/m, 240_000);
    expect(running.output()).toContain(`under Node ${machineNode}`); // it installed, under the machine's Node
    expect(curl).toContain(`http://127.0.0.1:${ports.port}/api/assistants`);

    const answer = execFileSync("sh", ["-c", `${curl} -s -w '\\n%{http_code}'`], { encoding: "utf8" });
    const [body, status] = [answer.slice(0, answer.lastIndexOf("\n")), answer.slice(answer.lastIndexOf("\n") + 1)];
    expect(status).toBe("200");
    const { assistants } = JSON.parse(body) as { assistants: { name: string }[] };
    expect(assistants.map((a) => a.name)).toContain("Sales Agent");

    // The dashboard page's URL next to it: the same token, in the fragment (never sent to a server).
    const page = new URL(await waitForLine(running, /^http:\/\/\S+\/app#token=\S+$/m, 10_000));
    expect([page.origin, page.pathname, page.search]).toEqual([`http://127.0.0.1:${ports.port}`, "/app", ""]);
    expect(page.hash).toBe(`#token=${/Bearer ([\w.-]+)/.exec(curl)![1]}`);
    expect(await (await fetch(page)).text()).toContain("<title>Dashboard · vapi-edge-cache</title>");

    ctrlC(running.child);
    // npm re-raises the SIGINT its script ended on, as a shell expects of a Ctrl-C'd job.
    expect([0, "SIGINT"]).toContain(await running.exited);
    expect(await listening(ports.port)).toBe(false);
    expect(await listening(ports.emulatorPort)).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  }, 300_000);

  it("leaves no server running and says why in one line when the emulator's port is taken", async () => {
    const ports = { port: await freePort(), emulatorPort: await freePort() };
    const squatter: Server = await new Promise((resolve) => {
      const s = createServer().listen(ports.emulatorPort, "127.0.0.1", () => resolve(s));
    });
    try {
      running = npmStart(dir, ports);
      expect(await running.exited).toBe(1);
      expect(running.output()).toMatch(
        new RegExp(`^npm start failed: port ${ports.emulatorPort} \\(the Vapi emulator\\) is already in use; .*VAPI_EMULATOR_PORT`, "m"),
      );
      expect(await listening(ports.port)).toBe(false);
      expect(leftovers(dir)).toEqual([]);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 120_000);
});
