// A V8 CPU profile of the Worker's isolate, taken through an inspector port (Chrome DevTools
// Protocol over WebSocket): wrangler's inspector proxy (`/ws`), or workerd's own, where the
// product's isolate is `/core:user:` (its Durable Object runs in the same isolate); summarized
// as self time per function.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  /** The script's file name and 1-based line, when the function has one. */
  file: string;
  line: number;
  selfMs: number;
  /** Share of the profile's non-idle time ("(idle)" itself: of that time too, so it may exceed 1). */
  share: number;
}

// wrangler's inspector proxy only accepts DevTools-like clients: an Origin header on loopback.
// Node's WebSocket (undici) takes headers in a second, non-standard argument.
const NodeWebSocket = WebSocket as unknown as new (url: string, init: { headers: Record<string, string> }) => WebSocket;

/** Profiles the isolate while `during` runs; returns every function by self time (and "(idle)"). */
export async function cpuProfile(inspectorPort: number, during: () => Promise<void>, path = "/ws"): Promise<HotFunction[]> {
  const ws = new NodeWebSocket(`ws://127.0.0.1:${inspectorPort}${path}`, { headers: { Origin: "http://127.0.0.1" } });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error("inspector connection failed")), { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (ev: MessageEvent) => {
    const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), 30_000);
      pending.set(id, (r) => (clearTimeout(timer), resolve(r)));
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: 100 });
    await send("Profiler.start");
    await during();
    const { profile } = (await send("Profiler.stop")) as { profile: Profile };
    return summarize(profile);
  } finally {
    ws.close();
  }
}

function summarize(p: Profile): HotFunction[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, Omit<HotFunction, "share">>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const f = byId.get(id)?.callFrame;
    if (!f) return;
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    // Waiting (for Vapi, D1, the next request) is not CPU: kept as an entry, out of the shares.
    if (f.functionName !== "(idle)") total += ms;
    const file = f.url.split("/").at(-1) ?? "";
    const line = f.lineNumber + 1;
    const key = `${f.functionName || "(anonymous)"} ${file}${file ? `:${line}` : ""}`;
    const entry = self.get(key) ?? { name: key, file, line, selfMs: 0 };
    entry.selfMs += ms;
    self.set(key, entry);
  });
  return [...self.values()].sort((a, b) => b.selfMs - a.selfMs).map((f) => ({ ...f, share: total ? f.selfMs / total : 0 }));
}
