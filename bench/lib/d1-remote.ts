// D1 out of the Worker's process, as in production, where D1 is a network round trip away and its
// SQLite work is not the Worker's CPU. A second Miniflare (its own workerd process, on loopback)
// holds the local D1 databases; the Worker's D1 bindings stay real `D1Database`s in remote mode:
// Miniflare's remote-proxy client sends each raw D1 request here (`MF-Binding` names the binding,
// `MF-URL` and `MF-Header-*` carry the original request), and the worker below replays it on the
// raw D1 fetcher of that binding, as wrangler's remote-bindings ProxyServerWorker does in the
// cloud (workers-sdk packages/remote-bindings/templates/remoteBindings/ProxyServerWorker.ts).
import { convertV4MiniflareOptions, Miniflare, type RemoteProxyConnectionString } from "miniflare";

/** Loopback too (127.0.0.0/8), but none of the bench's other servers listen there. */
const D1_HOST = "127.0.0.2";

// `env.<binding>.fetcher` is the raw fetcher inside the d1-api wrapper (workerd's d1-api.ts,
// `class D1Database { fetcher }`): the same service the Worker's binding reaches when D1 is local.
const PROXY = `
const PREFIX = "mf-header-";
export default {
  async fetch(request, env) {
    const binding = request.headers.get("MF-Binding");
    const url = request.headers.get("MF-URL");
    const fetcher = binding ? env[binding]?.fetcher : undefined;
    if (!url || typeof fetcher?.fetch !== "function") return new Response("not a D1 request for a known binding", { status: 400 });
    const headers = new Headers();
    for (const [name, value] of request.headers) if (name.startsWith(PREFIX)) headers.set(name.slice(PREFIX.length), value);
    return fetcher.fetch(url, { method: request.method, headers, body: request.body });
  },
};`;

/**
 * Starts the D1 process for `databases` (binding → database id, as wrangler resolves them) on the
 * persisted state at `persistPath` (Miniflare's `resourcePersistencePath`). Resolves to the URL the
 * Worker's bindings use as their `remoteProxyConnectionString`, and a way to stop it.
 */
export async function startD1Remote(databases: Record<string, string>, persistPath: string) {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      name: "d1-remote",
      compatibilityDate: "2025-01-01",
      modules: [{ type: "ESModule", path: "proxy.js", contents: PROXY }],
      d1Databases: databases,
      // Its own loopback address, with a port the OS picks there: the bench hands out free ports of
      // 127.0.0.1 and starts servers on them a moment later, and a port picked on 127.0.0.1 meanwhile
      // could take one (a run failed so: "Address already in use"). The address also tells lib/cpu.ts
      // its workerd from the Worker's (`entry=127.0.0.2:0` on its command line).
      host: D1_HOST,
      port: 0,
      resourcePersistencePath: persistPath,
      logRequests: false,
    }),
  );
  // The brand marks a URL as one for Miniflare's remote-proxy client, which this one is.
  const url = (await mf.ready) as RemoteProxyConnectionString;
  return { url, dispose: () => mf.dispose() };
}
