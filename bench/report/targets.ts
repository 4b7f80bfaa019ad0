// Turns measured figures into table lines: each with its ratio and, where the issue set one,
// the target and whether it was met. Targets are reported, never asserted.
import type { Summary } from "../lib/stats.ts";
import type { BenchResults } from "../lib/types.ts";

export interface Line {
  scenario: string;
  p50?: number;
  p99?: number;
  rps?: number | null;
  ratio: string;
  target?: string;
  met?: boolean;
}

export interface TargetOutcome {
  target: string;
  scenario: string;
  actual: string;
  met: boolean;
}

const x = (v: number) => `${v.toFixed(2)}×`;
const ms = (v: number) => `${v >= 0 ? "+" : ""}${v.toFixed(1)} ms`;
const figures = (s: Summary) => ({ p50: s.p50, p99: s.p99, rps: s.rps });

/** A hot-hit row and its target lines against the floors measured with the same connections. */
function hotHit(name: string, s: Summary, floors: { floorStatic: Summary; floorDo: Summary }, direct: Summary, withRps: boolean): Line[] {
  const toDo = s.p50 / floors.floorDo.p50;
  const toStatic = s.p50 / floors.floorStatic.p50;
  const rps = (s.rps ?? 0) / (floors.floorDo.rps ?? 1);
  const faster = direct.p50 / s.p50;
  return [
    { scenario: name, ...figures(s), ratio: `${x(toDo)} DO floor`, target: "p50 ≤ 1.1× DO floor", met: toDo <= 1.1 },
    { scenario: "", ratio: `${x(toStatic)} static floor`, target: "p50 ≤ 1.6× static floor", met: toStatic <= 1.6 },
    ...(withRps ? [{ scenario: "", ratio: `${x(rps)} DO floor req/s`, target: "req/s ≥ 0.9× DO floor", met: rps >= 0.9 }] : []),
    { scenario: "", ratio: `${faster.toFixed(0)}× faster than direct`, target: "≥ 50× faster than direct", met: faster >= 50 },
  ];
}

export function lines(r: BenchResults): Line[] {
  const n = r.meta.load.connections;
  const u = r.unloaded;
  const out: Line[] = [
    { scenario: `floor: static (${r.meta.listBodyBytes} B) ×${n}`, ...figures(r.floorStatic), ratio: "1.00× static" },
    { scenario: `floor: bare DO RPC ×${n}`, ...figures(r.floorDo), ratio: `${x(r.floorDo.p50 / r.floorStatic.p50)} static` },
    ...hotHit(`hot hit: list ×${n}`, r.hotList, r, r.direct, true),
    ...hotHit(`hot hit: one ×${n}`, r.hotOne, r, r.direct, true),
    { scenario: "floor: static ×1", ...figures(u.floorStatic), ratio: "1.00× static" },
    { scenario: "floor: bare DO RPC ×1", ...figures(u.floorDo), ratio: `${x(u.floorDo.p50 / u.floorStatic.p50)} static` },
    ...hotHit("hot hit: list ×1", u.hotList, u, r.direct, false),
    ...hotHit("hot hit: one ×1", u.hotOne, u, r.direct, false),
  ];
  out.push({ scenario: "direct: list from emulator", ...figures(r.direct), ratio: "1.00× direct" });
  for (const [name, o] of [["miss: cold list", r.miss], ["write: PATCH name", r.write]] as const) {
    out.push(
      {
        scenario: name,
        ...figures(o),
        ratio: `${ms(o.overhead)} over emulator p50 ${o.emulatorP50.toFixed(0)} ms (±${o.noise.toFixed(1)})`,
        target: "overhead ≤ 10 ms",
        met: o.overhead <= 10,
      },
      {
        scenario: "",
        ratio: `${ms(o.pairedOverhead)} paired (latency − Server-Timing vapi)`,
        target: "paired overhead ≤ 10 ms",
        met: o.pairedOverhead <= 10,
      },
      {
        scenario: "",
        ratio: `Server-Timing p50: cache ${o.serverTiming.cache} ms, d1 ${o.serverTiming.d1} ms, vapi ${o.serverTiming.vapi} ms`,
      },
    );
  }
  const c = r.coalescing;
  out.push({
    scenario: `coalescing: ${c.concurrent} cold reads`,
    ...figures(c),
    ratio: `${c.upstreamCalls} upstream call(s), ${c.count}/${c.concurrent} ok`,
    target: "exactly 1 upstream call",
    met: c.upstreamCalls === 1 && c.failed === 0,
  });
  const m = r.manyUsers;
  out.push(
    {
      scenario: `many users: ${m.users} × ${m.assistantsPerUser}`,
      ...figures(m),
      ratio: `${m.upstream.perThousand.toFixed(1)} upstream calls / 1000 req`,
    },
    {
      scenario: "",
      ratio: `${m.upstream.listReads} list reads for ${m.users} users`,
      target: "≤ 1 list read per user per TTL",
      met: m.upstream.listReads <= m.users && m.failed === 0,
    },
  );
  const mem = r.memory;
  const json = mem.jsonBytesPerAssistant;
  out.push(
    {
      scenario: "memory: hot layer per assistant",
      ratio: `${mem.bytesPerEntry.toFixed(0)} B counted = ${x(mem.bytesPerEntry / json)} its JSON (${json.toFixed(0)} B)`,
    },
    {
      scenario: "",
      ratio: `= ${mem.jsonStringBytesPerEntry.toFixed(0)} B JSON string + ${mem.listBytesPerEntry.toFixed(0)} B share of the list string`,
    },
  );
  if (mem.parsedHeapPerAssistant !== null) {
    const total = mem.bytesPerEntry + mem.parsedHeapPerAssistant;
    out.push(
      { scenario: "", ratio: `+~${mem.parsedHeapPerAssistant} B parsed object (V8 estimate, not counted)` },
      { scenario: "", ratio: `≈ ${total.toFixed(0)} B in all = ${x(total / json)} its JSON` },
    );
  }
  return out;
}

export function targets(ls: Line[]): TargetOutcome[] {
  let scenario = "";
  const out: TargetOutcome[] = [];
  for (const l of ls) {
    if (l.scenario) scenario = l.scenario;
    if (l.target !== undefined && l.met !== undefined) out.push({ target: l.target, scenario, actual: l.ratio, met: l.met });
  }
  return out;
}
