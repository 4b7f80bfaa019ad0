// Turns measured figures into table lines, one figure per line with a cell per column (wrangler
// dev, production-like) and, where an issue set one, the target and whether each column met it.
// Targets are reported, never asserted.
import type { CpuFigures } from "../lib/cpu-meter.ts";
import { WORKER } from "../lib/cpu.ts";
import type { Summary } from "../lib/stats.ts";
import { latency, num } from "./format.ts";
import { type BenchResults, COLUMN_KEYS, type ColumnKey, type ColumnResults } from "../lib/types.ts";
import { mixLines } from "./mix-lines.ts";

export interface Line {
  scenario: string;
  /** What the cells show. */
  figure: string;
  cells: Partial<Record<ColumnKey, string>>;
  target?: string;
  met?: Partial<Record<ColumnKey, boolean>>;
}

export interface TargetOutcome {
  target: string;
  scenario: string;
  column: ColumnKey;
  actual: string;
  met: boolean;
}

// Issue #12's targets. The hit is judged against the bare Durable Object floor only: the product
// needs that hop by design, so the static floor's ratio and the speed-up over Vapi are figures.
const HIT_P50_TO_DO = 1.05;
const HIT_RPS_TO_DO = 0.95;
const PAIRED_OVERHEAD_MS = 10;
const CPU_COLD_MS = 6;
const CPU_REVALIDATION_MS = 3;
// Issue #23's CPU targets: ratios of the Worker process's CPU per request in the same run, so
// the machine's speed and the runtime's fixed costs cancel.
const CPU_HIT_TO_DO = 1.3;
const CPU_COLD_TO_HIT = 3;
const CPU_REVALIDATION_TO_HIT = 1.5;

const x = (v: number) => `${v.toFixed(2)}×`;
const ms = (v: number) => `${v >= 0 ? "+" : ""}${v.toFixed(1)} ms`;
const LATENCY = "p50 / p99 ms · req/s";

type Of<T> = (c: ColumnResults) => T;

/** A line with a cell per column from `value`, and optionally a target judged on `score`. */
function line(r: BenchResults, scenario: string, figure: string, value: Of<string>, target?: { text: string; met: Of<boolean> }): Line {
  const cells: Partial<Record<ColumnKey, string>> = {};
  const met: Partial<Record<ColumnKey, boolean>> = {};
  for (const k of COLUMN_KEYS) {
    const c = r.columns[k];
    cells[k] = value(c);
    if (target) met[k] = target.met(c);
  }
  return { scenario, figure, cells, ...(target ? { target: target.text, met } : {}) };
}

function hotHit(r: BenchResults, name: string, hit: Of<Summary>, floors: Of<{ floorStatic: Summary; floorDo: Summary }>, withRps: boolean): Line[] {
  const toDo = (c: ColumnResults) => hit(c).p50 / floors(c).floorDo.p50;
  const rps = (c: ColumnResults) => (hit(c).rps ?? 0) / (floors(c).floorDo.rps ?? 1);
  return [
    line(r, name, LATENCY, (c) => latency(hit(c))),
    line(r, "", "p50 ÷ DO floor p50", (c) => x(toDo(c)), { text: `≤ ${HIT_P50_TO_DO}×`, met: (c) => toDo(c) <= HIT_P50_TO_DO }),
    ...(withRps ? [line(r, "", "req/s ÷ DO floor req/s", (c) => x(rps(c)), { text: `≥ ${HIT_RPS_TO_DO}×`, met: (c) => rps(c) >= HIT_RPS_TO_DO })] : []),
    line(r, "", "p50 ÷ static floor; × faster than direct", (c) => `${x(hit(c).p50 / floors(c).floorStatic.p50)}; ${(r.direct.p50 / hit(c).p50).toFixed(0)}×`),
  ];
}

const worker = (f: CpuFigures) => f[WORKER]?.p50 ?? Number.NaN;
const cpuCell = (f: CpuFigures) => `${num(f[WORKER]?.p50)} (${num(f[WORKER]?.mean)})`;
const others = (f: CpuFigures) =>
  Object.entries(f)
    .filter(([role]) => role !== WORKER && role !== "other")
    .map(([role, v]) => `${role} ${num(v.p50)}`)
    .join(", ");

/** Issue #23 item 2: the Worker's CPU per request against the floor and against a hit, per column. */
function cpuLines(r: BenchResults): Line[] {
  const n = r.columns.prod.cpu.reads;
  const cpu = (c: ColumnResults) => c.cpu;
  const toHit = (path: "cold" | "revalidation") => (c: ColumnResults) => worker(cpu(c)[path]) / worker(cpu(c).hit);
  const hitToDo = (c: ColumnResults) => worker(cpu(c).hit) / worker(cpu(c).floorDo);
  const WORKER_MS = "Worker CPU ms p50 (mean)";
  return [
    line(r, `CPU: bare DO floor ×${n}`, WORKER_MS, (c) => cpuCell(cpu(c).floorDo)),
    line(r, `CPU: hit ×${n}`, WORKER_MS, (c) => cpuCell(cpu(c).hit)),
    line(r, "", "÷ bare DO floor's", (c) => x(hitToDo(c)), { text: `≤ ${CPU_HIT_TO_DO}×`, met: (c) => hitToDo(c) <= CPU_HIT_TO_DO }),
    line(r, "", "other processes ms p50", (c) => others(cpu(c).hit)),
    line(r, `CPU: cold list read ×${n}`, WORKER_MS, (c) => cpuCell(cpu(c).cold), {
      text: `≤ ${CPU_COLD_MS} ms`,
      met: (c) => worker(cpu(c).cold) <= CPU_COLD_MS,
    }),
    line(r, "", "÷ hit's", (c) => x(toHit("cold")(c)), { text: `≤ ${CPU_COLD_TO_HIT}×`, met: (c) => toHit("cold")(c) <= CPU_COLD_TO_HIT }),
    line(r, "", "other processes ms p50", (c) => others(cpu(c).cold)),
    line(r, `CPU: no-cache, unchanged ×${n}`, WORKER_MS, (c) => cpuCell(cpu(c).revalidation), {
      text: `≤ ${CPU_REVALIDATION_MS} ms`,
      met: (c) => worker(cpu(c).revalidation) <= CPU_REVALIDATION_MS,
    }),
    line(r, "", "÷ hit's", (c) => x(toHit("revalidation")(c)), {
      text: `≤ ${CPU_REVALIDATION_TO_HIT}×`,
      met: (c) => toHit("revalidation")(c) <= CPU_REVALIDATION_TO_HIT,
    }),
    line(r, "", "other processes ms p50", (c) => others(cpu(c).revalidation)),
  ];
}

type Accounting = ColumnResults["miss"]["accounting"];
const phasesCell = (a: Accounting) => {
  if (!a) return "—";
  const p = (n: string) => (a.phases[n] ?? 0).toFixed(1);
  return `${["auth", "rpc", "hydrate", "key", "apply", "serialize"].map(p).join(" / ")} · ${p("total")}`;
};
const restCell = (a: Accounting) => (a ? `${a.unaccounted.toFixed(1)} · ${a.outside.toFixed(1)}` : "—");

function upstreamLines(r: BenchResults): Line[] {
  const out: Line[] = [];
  for (const [name, of] of [["miss: cold list", (c: ColumnResults) => c.miss], ["write: PATCH name", (c: ColumnResults) => c.write]] as const) {
    out.push(
      line(r, name, "p50 / p99 ms", (c) => latency(of(c))),
      line(r, "", "paired overhead: latency − Server-Timing vapi, p50", (c) => ms(of(c).pairedOverhead), {
        text: `≤ ${PAIRED_OVERHEAD_MS} ms`,
        met: (c) => of(c).pairedOverhead <= PAIRED_OVERHEAD_MS,
      }),
      line(r, "", "net of the client's HTTP exchange (a hit's latency − total, same client, right after) · that exchange",
        (c) => (of(c).netOverhead === undefined ? "—" : `${ms(of(c).netOverhead!)} · ${of(c).hop!.toFixed(1)} ms`), {
          text: `≤ ${PAIRED_OVERHEAD_MS} ms`,
          met: (c) => of(c).netOverhead !== undefined && of(c).netOverhead! <= PAIRED_OVERHEAD_MS,
        }),
      line(r, "", "p50 − emulator p50 (± noise)", (c) => `${ms(of(c).overhead)} (±${of(c).noise.toFixed(1)})`),
      line(r, "", "Server-Timing p50: cache / d1 / vapi ms", (c) => `${of(c).serverTiming.cache} / ${of(c).serverTiming.d1} / ${of(c).serverTiming.vapi}`),
      line(r, "", "p50 ms: auth / rpc / hydrate / key / apply / serialize · total", (c) => phasesCell(of(c).accounting)),
      line(r, "", "p50 ms: total − Σ phases (unaccounted) · latency − total", (c) => restCell(of(c).accounting)),
    );
  }
  return out;
}

export function lines(r: BenchResults): Line[] {
  const n = r.meta.load.connections;
  const loaded: Of<{ floorStatic: Summary; floorDo: Summary }> = (c) => c;
  const unloaded: Of<{ floorStatic: Summary; floorDo: Summary }> = (c) => c.unloaded;
  const mem = r.memory;
  const json = mem.jsonBytesPerAssistant;
  const inProd = (text: string) => ({ prod: text });
  return [
    line(r, `floor: static (${r.meta.listBodyBytes} B) ×${n}`, LATENCY, (c) => latency(c.floorStatic)),
    line(r, `floor: bare DO RPC ×${n}`, LATENCY, (c) => latency(c.floorDo)),
    line(r, "", "p50 ÷ static floor p50", (c) => x(c.floorDo.p50 / c.floorStatic.p50)),
    ...hotHit(r, `hot hit: list ×${n}`, (c) => c.hotList, loaded, true),
    ...hotHit(r, `hot hit: one ×${n}`, (c) => c.hotOne, loaded, true),
    line(r, "floor: static ×1", LATENCY, (c) => latency(c.unloaded.floorStatic)),
    line(r, "floor: bare DO RPC ×1", LATENCY, (c) => latency(c.unloaded.floorDo)),
    ...hotHit(r, "hot hit: list ×1", (c) => c.unloaded.hotList, unloaded, false),
    ...hotHit(r, "hot hit: one ×1", (c) => c.unloaded.hotOne, unloaded, false),
    line(r, `direct: list from emulator ×${n}`, `${LATENCY} (measured once)`, () => latency(r.direct)),
    ...upstreamLines(r),
    ...cpuLines(r),
    ...mixLines(r.columns, r.meta.assistantsPerUser),
    // The product's own counter: the same code in both columns, measured once (production-like).
    { scenario: "memory: hot layer per assistant", figure: "counted bytes (÷ its JSON)", cells: inProd(`${mem.bytesPerEntry.toFixed(0)} B (${x(mem.bytesPerEntry / json)} of ${json.toFixed(0)} B)`) },
    { scenario: "", figure: "= JSON string + share of the list string", cells: inProd(`${mem.jsonStringBytesPerEntry.toFixed(0)} + ${mem.listBytesPerEntry.toFixed(0)} B`) },
    ...(mem.parsedHeapPerAssistant === null
      ? []
      : [
          { scenario: "", figure: "+ parsed object (V8 estimate, not counted)", cells: inProd(`~${mem.parsedHeapPerAssistant} B`) },
          {
            scenario: "",
            figure: "≈ in all (÷ its JSON)",
            cells: inProd(`${(mem.bytesPerEntry + mem.parsedHeapPerAssistant).toFixed(0)} B (${x((mem.bytesPerEntry + mem.parsedHeapPerAssistant) / json)})`),
          },
        ]),
  ];
}

export function targets(ls: Line[]): TargetOutcome[] {
  let scenario = "";
  const out: TargetOutcome[] = [];
  for (const l of ls) {
    if (l.scenario) scenario = l.scenario;
    if (l.target === undefined || !l.met) continue;
    for (const column of COLUMN_KEYS) {
      const met = l.met[column];
      if (met !== undefined) out.push({ target: `${l.figure} ${l.target}`, scenario, column, actual: l.cells[column] ?? "", met });
    }
  }
  return out;
}
