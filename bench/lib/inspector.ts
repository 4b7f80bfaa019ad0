// A V8 CPU profile of the Worker's isolate, taken through wrangler's inspector port (Chrome
// DevTools Protocol over WebSocket), summarized as self time per function.

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
  selfMs: number;
  share: number;
}

// wrangler's inspector proxy only accepts DevTools-like clients: an Origin header on loopback.
// Node's WebSocket (undici) takes headers in a second, non-standard argument.
const NodeWebSocket = WebSocket as unknown as new (url: string, init: { headers: Record<string, string> }) => WebSocket;

/** Profiles the isolate while `during` runs; returns the top functions by self time. */
export async function cpuProfile(inspectorPort: number, during: () => Promise<void>, top = 25): Promise<HotFunction[]> {
  const ws = new NodeWebSocket(`ws://127.0.0.1:${inspectorPort}/ws`, { headers: { Origin: "http://127.0.0.1" } });
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
    return summarize(profile, top);
  } finally {
    ws.close();
  }
}

function summarize(p: Profile, top: number): HotFunction[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const f = byId.get(id)?.callFrame;
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const file = f?.url.split("/").at(-1) ?? "";
    const key = f ? `${f.functionName || "(anonymous)"} ${file}${file ? `:${f.lineNumber + 1}` : ""}` : "?";
    self.set(key, (self.get(key) ?? 0) + ms);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, selfMs]) => ({ name, selfMs, share: total ? selfMs / total : 0 }));
}
