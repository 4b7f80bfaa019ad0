// The team scenario's table lines (issue 20 item 7): one block per team size, production-like only.
// The target, ≤ 100 ms at p99 from Vapi's acknowledgement to a teammate's tab and cached read, is
// reported, never asserted.
import type { Summary } from "../lib/stats.ts";
import type { TeamResults, TeamSizeResult } from "../lib/types.ts";
import type { Line } from "./targets.ts";

export const PROPAGATION_P99_MS = 100;

const num = (v: number) => (Number.isNaN(v) ? "–" : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));
const signed = (v: number) => `${v >= 0 ? "+" : ""}${num(v)}`;
const p50p99 = (s: Summary) => `${num(s.p50)} / ${num(s.p99)}`;
const per = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

function sizeLines(t: TeamResults, r: TeamSizeResult): Line[] {
  const col = t.column;
  const cell = (text: string) => ({ [col]: text });
  const w = r.perWrite;
  const out: Line[] = [
    {
      scenario: `team of ${r.members}${r.members === 1 ? " (solo)" : ""}, ${r.pairs} pairs`,
      figure: "write p50 / p99 ms: teams on · off",
      cells: cell(`${p50p99(r.on)} · ${p50p99(r.off)}`),
    },
    {
      scenario: "",
      figure: "added by teams: paired (on − off) of latency − vapi, p50 / p99 ms",
      cells: cell(`${signed(r.added.p50)} / ${signed(r.added.p99)} (own work on ${num(r.pairedOverhead.on)}, off ${num(r.pairedOverhead.off)})`),
    },
    {
      scenario: "",
      figure: "Worker process CPU per write, p50 (mean) ms: on / off",
      cells: cell(`${num(r.cpu.on.p50)} (${num(r.cpu.on.mean)}) / ${num(r.cpu.off.p50)} (${num(r.cpu.off.mean)})`),
    },
    {
      scenario: "",
      figure: "per write: team RPCs (turn + report + fan-out) · D1 statements on / off",
      cells: cell(`${per(w.teamRpcs)} (2 + ${per(w.applied)}) · ${per(w.d1Statements)} / ${per(w.d1StatementsOff)}`),
    },
    {
      scenario: "",
      figure: "per write: Vapi requests on / off · coordinated · answers flagged unavailable",
      cells: cell(`${per(w.upstream)} / ${per(w.upstreamOff)} · ${per(w.coordinated)} · ${r.unavailable}`),
    },
  ];
  const p = r.propagation;
  if (!p) return out;
  const missed = (n: number) => (n ? `, ${n} missed` : "");
  const hits = p.readStatuses.hit ?? 0;
  const reads = Object.values(p.readStatuses).reduce((a, b) => a + b, 0);
  out.push(
    {
      scenario: "",
      figure: `teammate's tab: Vapi ack → event (origin team), p50 / p99 ms, ×${p.tab.count}`,
      cells: cell(`${p50p99(p.tab)}${missed(p.missedTabs)}`),
      target: `≤ ${PROPAGATION_P99_MS} ms p99`,
      met: { [col]: p.tab.p99 <= PROPAGATION_P99_MS && p.missedTabs === 0 },
    },
    {
      scenario: "",
      figure: `teammate's cached GET: Vapi ack → hit with it, p50 / p99 ms, ×${p.read.count}`,
      cells: cell(`${p50p99(p.read)}${missed(p.missedReads)} (its tab meanwhile ${p50p99(p.readersTab)})`),
      target: `≤ ${PROPAGATION_P99_MS} ms p99, all hits`,
      met: { [col]: p.read.p99 <= PROPAGATION_P99_MS && p.missedReads === 0 && hits === reads },
    },
    {
      scenario: "",
      figure: "last of the teammates' tabs p50 / p99 ms · events before the writer's answer",
      cells: cell(`${p50p99(p.lastTab)} · ${(p.beforeAnswer * 100).toFixed(0)}%`),
    },
    {
      scenario: "",
      figure: "polled reads: hits / all · teammates' upstream calls, misses",
      cells: cell(`${hits} / ${reads} · ${w.teammatesUpstream}, ${w.teammatesMisses}`),
    },
  );
  return out;
}

export function teamLines(t: TeamResults): Line[] {
  return t.sizes.flatMap((r) => sizeLines(t, r));
}
