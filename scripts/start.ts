// `npm start`: local D1 migrations, the Vapi emulator with demo data, the Worker under
// `wrangler dev`, the demo user's Vapi key stored through the real API, and a curl line.
import { execFileSync, spawn } from "node:child_process";
import { startEmulator } from "../emulator/server.ts";
import { devSecrets } from "./dev-env.ts";
import { devToken } from "./token.ts";

const DEMO_USER = "demo";
const DEMO_KEY = "dev-vapi-key";
// Every setting of wrangler.toml [vars] can be overridden by an environment variable of that name.
const SETTINGS = [
  "VAPI_BASE_URL",
  "CACHE_TTL_SECONDS",
  "VAPI_TIMEOUT_MS",
  "VAPI_LIST_PAGE_SIZE",
  "JWT_JWKS_URL",
  "JWT_ISSUER",
  "JWT_AUDIENCE",
];

const port = Number(process.env.PORT ?? 8787);
const emulatorPort = Number(process.env.VAPI_EMULATOR_PORT ?? 8788);
const base = `http://127.0.0.1:${port}`;

devSecrets();
execFileSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], {
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, CI: "1" },
});

const emulator = await startEmulator({ port: emulatorPort, demo: true });
const vars = { VAPI_BASE_URL: emulator.url, ...pick(process.env, SETTINGS) };
const worker = spawn(
  "wrangler",
  ["dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])],
  { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
);
worker.stdout.on("data", (chunk: Buffer) => {
  if (process.env.VERBOSE) process.stdout.write(chunk);
});

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  worker.kill("SIGTERM");
  await emulator.close();
  process.exit(code);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
worker.on("exit", (code) => {
  if (!stopping) {
    console.error(`wrangler dev exited (${code}); stopping.`);
    void stop(1);
  }
});

await waitFor(`${base}/healthz`, 60_000);
const token = await devToken(DEMO_USER);
if (vars.VAPI_BASE_URL === emulator.url) {
  const res = await fetch(`${base}/api/settings/vapi-key`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ privateKey: DEMO_KEY }),
  });
  if (res.status !== 204) throw new Error(`storing the demo key failed: ${res.status} ${await res.text()}`);
}

console.log(`
vapi-edge-cache is running at ${base}  (Vapi emulator: ${emulator.url}, docs: ${base}/docs)

Dev JWT for user "${DEMO_USER}" (30 days; make others with: npm run token -- <sub>):
${token}

Try:
curl -H "Authorization: Bearer ${token}" ${base}/api/assistants

Ctrl-C stops both servers.`);

function pick(env: NodeJS.ProcessEnv, names: string[]) {
  return Object.fromEntries(names.flatMap((n) => (env[n] ? [[n, env[n]]] : [])));
}

async function waitFor(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}
