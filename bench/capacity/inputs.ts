// The capacity model's inputs: a flag for every one; otherwise the bench's measured costs
// (bench/results/latest.json, production-like column), the product's wrangler.toml, or a default.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { WORKER } from "../lib/cpu.ts";
import { ROOT } from "../lib/procs.ts";
import { productSetting } from "../lib/servers.ts";
import type { BenchResults, TeamResults, TeamSizeResult } from "../lib/types.ts";
import type { Inputs } from "./model.ts";

type Key = Exclude<keyof Inputs, "users">;

/** Every input but `users`: its flag and what it means (the flag is the key in kebab case). */
export const FLAGS: Record<Key, string> = {
  assistantsPerUser: "assistants per user",
  tabShare: "share of users with a dashboard tab open at the peak (0..1)",
  teamSize: "users per Vapi org (1: no teams)",
  ttlSeconds: "CACHE_TTL_SECONDS",
  refreshAheadSeconds: "CACHE_REFRESH_AHEAD_SECONDS",
  readsPerMinute: "API reads per minute of a user with a tab open",
  writesPerHour: "writes per hour of a user with a tab open",
  changedShare: "share of list refreshes that find a change made outside the service (0..1)",
  pageSize: "VAPI_LIST_PAGE_SIZE",
  cacheMaxBytes: "CACHE_MAX_BYTES",
  assistantBytes: "bytes of one assistant's JSON",
  countedPerJsonByte: "hot-layer bytes counted per JSON byte",
  memoryPerJsonByte: "hot-layer bytes held per JSON byte (counted + parsed objects)",
  d1QueryMs: "ms per D1 statement",
  cpuHitMs: "Worker + coordinator CPU ms per hit",
  cpuRefreshMs: "Worker + coordinator CPU ms per unchanged list refresh",
  teamCallsPerWrite: "RPCs from a write's coordinator to its team object (turn and report; a team of one too)",
  fanoutPerTeammate: "fan-out RPCs per teammate per write (each writes one D1 row)",
  cpuTeamMs: "Worker + coordinator CPU ms a write's team coordination adds",
  cpuPerTeammateMs: "Worker + coordinator CPU ms per teammate per write",
};

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Assumptions about use, not measurements: change them with the flags. */
const ASSUMED: Partial<Record<Key, number>> = {
  // D1's own example of a query's time. The bench cannot measure it: local D1 is SQLite inside
  // the Worker's process, and its Server-Timing `d1` is a round trip through the binding.
  d1QueryMs: 1,
  assistantsPerUser: 20,
  tabShare: 0.2,
  teamSize: 5,
  readsPerMinute: 2,
  writesPerHour: 6,
  changedShare: 0.1,
};

/** What the bench measures, when there is no result file: the production-like column of the quick run of 2026-12-07. */
const MEASURED_DEFAULTS: Partial<Record<Key, number>> = {
  assistantBytes: 708,
  countedPerJsonByte: 2,
  memoryPerJsonByte: 3.31,
  cpuHitMs: 2.82,
  cpuRefreshMs: 7.15,
  // The team scenario's full run of 2026-12-07 (bench/results/team.json): a team of one against
  // teams off, and 50 members against one.
  teamCallsPerWrite: 2,
  fanoutPerTeammate: 1,
  cpuTeamMs: 0.89,
  cpuPerTeammateMs: 1.12,
};

/**
 * The team inputs from the team scenario's file (bench/results/team.json): a team of one against
 * teams off, and the largest team against a team of one, per teammate.
 */
function measuredTeam(file: string): { values: Partial<Record<Key, number>>; date: string } | null {
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, "utf8")) as Partial<TeamResults>;
  const solo = r.sizes?.find((s) => s.members === 1);
  const largest = r.sizes?.reduce((a, b) => (b.members > a.members ? b : a));
  if (!solo || !largest || largest.members < 2 || !r.meta) return null;
  const teammates = largest.members - 1;
  // A file from before the scenario measured CPU has none: those inputs come from elsewhere.
  const cpu = (s: TeamSizeResult, k: "on" | "off") => s.cpu?.[k].p50 ?? Number.NaN;
  const values: Partial<Record<Key, number>> = {
    teamCallsPerWrite: round(solo.perWrite.teamRpcs),
    fanoutPerTeammate: round(largest.perWrite.applied / teammates),
    // A difference of two noisy medians can come out below 0: no cost measured is a cost of 0.
    cpuTeamMs: round(Math.max(0, cpu(solo, "on") - cpu(solo, "off"))),
    cpuPerTeammateMs: round(Math.max(0, (cpu(largest, "on") - cpu(solo, "on")) / teammates)),
  };
  return { values: Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v))), date: r.meta.date.slice(0, 10) };
}

/** The measured inputs from a bench result file (production-like column), if it has them. */
function measured(file: string): { values: Partial<Record<Key, number>>; date: string } | null {
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, "utf8")) as Partial<BenchResults>;
  const prod = r.columns?.prod;
  if (!prod || !r.memory || !r.meta) return null; // a result file from before the two columns
  const json = r.memory.jsonBytesPerAssistant;
  const values: Partial<Record<Key, number>> = {
    assistantBytes: Math.round(json),
    countedPerJsonByte: round(r.memory.bytesPerEntry / json),
    memoryPerJsonByte: round((r.memory.bytesPerEntry + (r.memory.parsedHeapPerAssistant ?? 0)) / json),
    cpuHitMs: round(prod.cpu.hit[WORKER]?.p50 ?? Number.NaN),
    cpuRefreshMs: round(prod.cpu.revalidation[WORKER]?.p50 ?? Number.NaN),
  };
  return { values: Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v))), date: r.meta.date.slice(0, 10) };
}

const round = (v: number) => Math.round(v * 100) / 100;

export interface Resolved {
  populations: number[];
  base: Omit<Inputs, "users">;
  /** Where each input came from: "flag", "bench <date>", "wrangler.toml", "assumed", "default". */
  from: Record<Key, string>;
  markdown: boolean;
  updateDocs: boolean;
}

/** Parses `argv` (flags for every input, --users, --results, --markdown, --update-docs). */
export function resolveInputs(argv: string[]): Resolved {
  const options = Object.fromEntries(Object.keys(FLAGS).map((k) => [kebab(k), { type: "string" as const }]));
  const { values } = parseArgs({
    args: argv,
    options: {
      ...options,
      users: { type: "string", default: "10000,100000,1000000" },
      results: { type: "string", default: join(ROOT, "bench/results/latest.json") },
      "team-results": { type: "string", default: join(ROOT, "bench/results/team.json") },
      markdown: { type: "boolean", default: false },
      "update-docs": { type: "boolean", default: false },
    },
  });
  const bench = measured(String(values.results));
  const team = measuredTeam(String(values["team-results"]));
  const toml: Partial<Record<Key, number>> = {
    ttlSeconds: Number(productSetting("CACHE_TTL_SECONDS")),
    refreshAheadSeconds: Number(productSetting("CACHE_REFRESH_AHEAD_SECONDS")),
    pageSize: Number(productSetting("VAPI_LIST_PAGE_SIZE")),
    cacheMaxBytes: Number(productSetting("CACHE_MAX_BYTES")),
  };
  const base = {} as Record<Key, number>;
  const from = {} as Record<Key, string>;
  for (const key of Object.keys(FLAGS) as Key[]) {
    const flag = (values as Record<string, unknown>)[kebab(key)];
    const sources: [number | undefined, string][] = [
      [flag === undefined ? undefined : Number(flag), "flag"],
      [bench?.values[key], `bench ${bench?.date}`],
      [team?.values[key], `bench team ${team?.date}`],
      [toml[key], "wrangler.toml"],
      [ASSUMED[key], "assumed"],
      [MEASURED_DEFAULTS[key], "default"],
    ];
    const [value, source] = sources.find(([v]) => v !== undefined) ?? [undefined, ""];
    if (value === undefined || !Number.isFinite(value) || value < 0) throw new Error(`--${kebab(key)} must be a number ≥ 0 (${FLAGS[key]})`);
    base[key] = value;
    from[key] = source;
  }
  if (base.teamSize < 1 || base.pageSize < 1) throw new Error("--team-size and --page-size must be at least 1");
  if (base.tabShare > 1 || base.changedShare > 1) throw new Error("--tab-share and --changed-share are shares (0..1)");
  const populations = String(values.users).split(",").map(Number);
  if (populations.some((u) => !Number.isInteger(u) || u < 1)) throw new Error("--users is a comma-separated list of user counts");
  return { populations, base, from, markdown: Boolean(values.markdown), updateDocs: Boolean(values["update-docs"]) };
}
