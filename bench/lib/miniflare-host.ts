// `node bench/lib/miniflare-host.ts --config <wrangler.toml> --bundle <dir> --port N --persist <dir>
//  [--var K:V]... [--compatibility-date D] [--inspector-port N]` (the inspector only for V8 profiles).
// The production-like column: the bundle `wrangler deploy --dry-run` wrote, on workerd through
// Miniflare's API, with none of `wrangler dev`'s tooling around it (no proxy workerd in front,
// no inspector, no local explorer or trace collector, no log relay through wrangler's Node).
// Runs in a process of its own, so the bench's load generator never shares its event loop, and
// so the bench can stop it and its workerd children as one process group, as it does `wrangler dev`.
// Its D1 databases run in a second workerd process (lib/d1-remote.ts), reached over loopback as
// production's D1 is over the network; the Durable Objects stay beside the Worker, as there.
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { convertV4MiniflareOptions, Miniflare, type V4WorkerOptionsShape } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { startD1Remote } from "./d1-remote.ts";

const { values } = parseArgs({
  options: {
    config: { type: "string" },
    bundle: { type: "string" },
    port: { type: "string" },
    persist: { type: "string" },
    var: { type: "string", multiple: true, default: [] },
    "compatibility-date": { type: "string" },
    "inspector-port": { type: "string" },
  },
});
const { config, bundle, port, persist } = values;
if (!config || !bundle || !port || !persist) throw new Error("usage: --config FILE --bundle DIR --port N --persist DIR [--var K:V]...");

// Bindings exactly as wrangler reads them for local runs: [vars], .dev.vars (the secrets), D1,
// the Durable Object classes with SQLite storage, and the assets (the product serves /docs).
// (wrangler types them as an Omit<> of Miniflare's shape, whose index signature the Omit
// flattens to `unknown`; they are that shape, minus the source options this host adds.)
const { workerOptions } = unstable_getMiniflareWorkerOptions(resolve(config));
// The bundle is a single ES module: wrangler's default module rules have nothing left to match,
// and Miniflare 5's converter refuses them rather than guess.
const { modulesRules: _rules, ...worker } = workerOptions as V4WorkerOptionsShape;
const overrides = Object.fromEntries(
  values.var.map((kv) => {
    const at = kv.indexOf(":");
    if (at < 1) throw new Error(`--var wants KEY:VALUE, got ${kv}`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);

// Where `wrangler d1 migrations apply --local --persist-to <dir>` put the database.
const resourcePersistencePath = join(resolve(persist), "v3");
// Started first: the Worker's D1 bindings need its address.
const databases: Record<string, string> = Array.isArray(worker.d1Databases)
  ? Object.fromEntries(worker.d1Databases.map((name) => [name, name]))
  : Object.fromEntries(Object.entries(worker.d1Databases ?? {}).map(([name, db]) => [name, typeof db === "string" ? db : db.id]));
const d1 = Object.keys(databases).length ? await startD1Remote(databases, resourcePersistencePath) : undefined;
const d1Databases: V4WorkerOptionsShape["d1Databases"] = d1 && Object.fromEntries(Object.entries(databases).map(([name, id]) => [name, { id, remoteProxyConnectionString: d1.url }]));

const mf = new Miniflare(
  convertV4MiniflareOptions({
    ...worker,
    ...(d1Databases ? { d1Databases } : {}),
    compatibilityDate: values["compatibility-date"] ?? worker.compatibilityDate,
    bindings: { ...worker.bindings, ...overrides },
    modules: true,
    scriptPath: join(resolve(bundle), "index.js"),
    // Module names are paths relative to this root, and the bundle lives outside the project.
    modulesRoot: resolve(bundle),
    host: "127.0.0.1",
    port: Number(port),
    ...(values["inspector-port"] ? { inspectorPort: Number(values["inspector-port"]), inspectorHost: "127.0.0.1" } : {}),
    resourcePersistencePath,
    logRequests: false,
    // The Worker's log lines go to Workers Logs in production; here they are read and dropped.
    handleStructuredLogs: () => {},
  }),
);
await mf.ready;

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void Promise.all([mf.dispose(), d1?.dispose()]).finally(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
