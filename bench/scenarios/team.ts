// Teams (issue 20 item 7): how long until a teammate's open tab and cached read show a write, and
// what a write costs by team size, against the same product with teams off (TEAM_TIMEOUT_MS=0),
// side by side in one run. See docs/benchmarks.md, "Team".
import { auth, type EmulatorAdmin } from "../lib/api.ts";
import { miniflareRoleOf, WORKER } from "../lib/cpu.ts";
import { CpuMeter, cpuFigures } from "../lib/cpu-meter.ts";
import { timingOf } from "../lib/load.ts";
import { summarize } from "../lib/stats.ts";
import type { TeamSizeResult } from "../lib/types.ts";
import { closeTeam, counters, delta, makeTeam, type Team } from "./team-setup.ts";

export interface TeamSettings {
  sizes: number[];
  /** Per size: teams-on writes paired with teams-off writes, and as many polled writes. */
  rounds: number;
  assistants: number;
  /** The team orgs' Vapi latency, ms (a per-key emulator fault). */
  vapiLatencyMs: { min: number; max: number };
}

/** The two products, teams on (as deployed) and off: their base URLs and process trees (CPU per write). */
export interface TeamBases {
  on: string;
  off: string;
  onPid: number;
  offPid: number;
}

// A teammate's event or read that has not come this long after the writer's answer is missed.
const LATE_MS = 3_000;

interface Written {
  ms: number;
  /** latency − Server-Timing vapi. */
  own: number;
  /** Vapi's `updatedAt` of the written version (ms): the acknowledgement every time is measured from. */
  version: number;
  /** Date.now() when the writer had its answer. */
  answeredAt: number;
  unavailable: boolean;
}

/** PATCH {name} of `id` as the team's first member, timed, with the version Vapi gave it. */
async function write(base: string, team: Team, name: string): Promise<Written> {
  const started = performance.now();
  const res = await fetch(`${base}/api/assistants/${team.id}`, {
    method: "PATCH",
    headers: { ...auth(team.members[0]!.user.token), "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  const answeredAt = Date.now();
  if (res.status !== 200) throw new Error(`team write: ${res.status} ${text}`);
  const { assistant } = JSON.parse(text) as { assistant: { updatedAt: string } };
  const vapi = timingOf(res.headers).vapi ?? Number.NaN;
  return { ms, own: ms - vapi, version: Date.parse(assistant.updatedAt), answeredAt, unavailable: res.headers.has("Team-Coordination") };
}

/** When each teammate's tab got the write's `updated` event (origin "team"), from Vapi's acknowledgement; null: missed. */
function tabs(team: Team, w: Written): Promise<(number | null)[]> {
  return Promise.all(
    team.members.slice(1).map(async (m) => {
      const wait = Math.max(0, w.answeredAt + LATE_MS - Date.now());
      const got = await m.tab.next((e) => e.type === "updated" && e.id === team.id && e.version === w.version && e.origin === "team", wait);
      return got ? got.at - w.version : null;
    }),
  );
}

/**
 * Member 1 reads the assistant, one GET at a time, from before the write is sent until an answer
 * shows a version newer than `after` (or until LATE_MS past `deadline()`): Date.now() of that
 * answer and its version. Every answer's Cache-Status is counted.
 */
async function poll(base: string, team: Team, after: number, deadline: () => number, statuses: Record<string, number>) {
  const token = team.members[1]!.user.token;
  for (;;) {
    const res = await fetch(`${base}/api/assistants/${team.id}`, { headers: auth(token), signal: AbortSignal.timeout(15_000) });
    const { assistant } = (await res.json()) as { assistant?: { updatedAt: string } };
    const at = Date.now();
    const status = /; hit/.test(res.headers.get("Cache-Status") ?? "") ? "hit" : (res.headers.get("Cache-Status") ?? String(res.status));
    statuses[status] = (statuses[status] ?? 0) + 1;
    const version = assistant ? Date.parse(assistant.updatedAt) : Number.NaN;
    if (version > after) return { at, version };
    if (at > deadline() + LATE_MS) return null;
  }
}

/** One team size: setup, the rounds, the counters' deltas and the figures. */
async function size(emulator: EmulatorAdmin, bases: TeamBases, meters: Meters, n: number, s: TeamSettings): Promise<TeamSizeResult> {
  const [team, solo] = await Promise.all([
    makeTeam(emulator, bases.on, `team${n}`, n, s.assistants, s.vapiLatencyMs),
    // Teams off, one user is the whole story: nothing of a write reaches anyone else.
    makeTeam(emulator, bases.off, `teamoff${n}`, 1, s.assistants, s.vapiLatencyMs),
  ]);
  const before = await counters(bases.on, team);
  const soloBefore = await counters(bases.off, solo);
  const requestsBefore = await emulator.counters();
  const on: Written[] = [];
  const off: Written[] = [];
  const tabTimes: (number | null)[] = [];
  const lastTab: number[] = [];
  const reads: (number | null)[] = [];
  const tabWhilePolled: number[] = [];
  const statuses: Record<string, number> = {};
  let early = 0;
  let polled = 0;
  let version = 0;
  const cpu: { on: Record<string, number>[]; off: Record<string, number>[] } = { on: [], off: [] };
  const quiet = async (r: number) => {
    let w!: Written;
    let times: (number | null)[] = [];
    // The Worker process's CPU from the write's start until every teammate's tab has it.
    const used = await meters.on.measure(async () => {
      w = await write(bases.on, team, `Team ${n} ${r} on`);
      times = await tabs(team, w);
    }, SETTLE_MS);
    cpu.on.push(used);
    on.push(w);
    tabTimes.push(...times);
    if (times.length > 0 && times.every((t) => t !== null)) lastTab.push(Math.max(...(times as number[])));
    early += times.filter((t) => t !== null && t + w.version <= w.answeredAt).length;
    version = w.version;
  };
  for (let r = 0; r < s.rounds; r++) {
    for (const m of [...team.members, ...solo.members]) m.tab.clear();
    // Alternating which goes first, so a drift in the machine's speed falls on both alike.
    const offWrite = async () => {
      const used = await meters.off.measure(async () => void off.push(await write(bases.off, solo, `Team ${n} ${r} off`)), SETTLE_MS);
      cpu.off.push(used);
    };
    if (r % 2 === 0) await quiet(r).then(offWrite);
    else await offWrite().then(() => quiet(r));
    if (n < 2) continue;
    // The read: a teammate polling its cached copy while the write goes through.
    let answeredAt = Number.POSITIVE_INFINITY;
    const seen = poll(bases.on, team, version, () => answeredAt, statuses);
    const w = await write(bases.on, team, `Team ${n} ${r} read`).finally(() => (answeredAt = Date.now()));
    const got = await seen;
    reads.push(got && got.version >= w.version ? got.at - w.version : null);
    // Member 1's tab in the same write: how much the polling itself slowed the write's way to it.
    const polledTab = await team.members[1]!.tab.next((e) => e.type === "updated" && e.id === team.id && e.version === w.version, LATE_MS);
    if (polledTab) tabWhilePolled.push(polledTab.at - w.version);
    version = w.version;
    polled++;
  }
  const after = await counters(bases.on, team);
  const soloAfter = await counters(bases.off, solo);
  const requests = await emulator.counters();
  closeTeam(team);
  closeTeam(solo);

  const writes = on.length + polled;
  const perWrite = (v: number) => v / writes;
  const applied = delta(before, after, (c) => c.team.applied, 1);
  const byKey = (key: string) => (requests.byKey[key] ?? 0) - (requestsBefore.byKey[key] ?? 0);
  const ok = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  const result: TeamSizeResult = {
    members: n,
    pairs: on.length,
    on: summarize(on.map((w) => w.ms), null),
    off: summarize(off.map((w) => w.ms), null),
    pairedOverhead: { on: summarize(on.map((w) => w.own), null).p50, off: summarize(off.map((w) => w.own), null).p50 },
    added: summarize(on.map((w, i) => w.own - (off[i]?.own ?? Number.NaN)), null),
    unavailable: on.filter((w) => w.unavailable).length + off.filter((w) => w.unavailable).length,
    cpu: { on: cpuFigures(cpu.on)[WORKER] ?? NO_CPU, off: cpuFigures(cpu.off)[WORKER] ?? NO_CPU },
    perWrite: {
      writes,
      coordinated: perWrite(after[0]!.team.coordinated - before[0]!.team.coordinated),
      applied: perWrite(applied),
      teamRpcs: 2 + perWrite(applied),
      d1Statements: 1 + perWrite(applied),
      d1StatementsOff: 1,
      upstream: perWrite(byKey(team.key)),
      upstreamOff: byKey(solo.key) / off.length,
      teammatesUpstream: delta(before, after, (c) => c.upstreamCalls, 1),
      teammatesMisses: delta(before, after, (c) => c.misses, 1),
    },
    propagation:
      n < 2
        ? null
        : {
            tab: summarize(ok(tabTimes), null),
            lastTab: summarize(lastTab, null),
            read: summarize(ok(reads), null),
            readersTab: summarize(tabWhilePolled, null),
            beforeAnswer: ok(tabTimes).length ? early / ok(tabTimes).length : Number.NaN,
            polledWrites: polled,
            missedTabs: tabTimes.length - ok(tabTimes).length,
            missedReads: reads.length - ok(reads).length,
            readStatuses: statuses,
          },
  };
  if (soloAfter[0]!.writes - soloBefore[0]!.writes !== off.length) throw new Error(`team ${n}: the teams-off writer's stats do not count its writes`);
  return result;
}

type Meters = { on: CpuMeter; off: CpuMeter };
const NO_CPU = { p50: Number.NaN, mean: Number.NaN };
// After the last tab's event: what the Worker still does then (the team's bookkeeping, a log line).
const SETTLE_MS = 20;

export async function teamScenario(emulator: EmulatorAdmin, bases: TeamBases, s: TeamSettings, log: (m: string) => void): Promise<TeamSizeResult[]> {
  const meters = { on: new CpuMeter(bases.onPid, miniflareRoleOf), off: new CpuMeter(bases.offPid, miniflareRoleOf) };
  await Promise.all([meters.on.idle(), meters.off.idle()]);
  const out: TeamSizeResult[] = [];
  for (const n of s.sizes) {
    const r = await size(emulator, bases, meters, n, s);
    const p = r.propagation;
    log(
      `team of ${n}: write p50 ${r.on.p50.toFixed(1)} ms (off ${r.off.p50.toFixed(1)}), added p50 ${r.added.p50.toFixed(1)} ms, ` +
        `${r.perWrite.teamRpcs.toFixed(1)} team RPCs/write, Worker CPU p50 ${r.cpu.on.p50.toFixed(1)} ms (off ${r.cpu.off.p50.toFixed(1)})` +
        (p ? `; tab p50/p99 ${p.tab.p50.toFixed(1)}/${p.tab.p99.toFixed(1)} ms, read ${p.read.p50.toFixed(1)}/${p.read.p99.toFixed(1)} ms` : ""),
    );
    out.push(r);
  }
  return out;
}
