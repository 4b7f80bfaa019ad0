// What the scenarios measure and the report reads (bench/results/latest.json has this shape).
import type { HotPathFigures } from "../scenarios/hot-path.ts";
import type { TeamSettings } from "../scenarios/team.ts";
import type { BenchUser, EmulatorAdmin } from "./api.ts";
import type { Classify } from "./cpu.ts";
import type { CpuFigures } from "./cpu-meter.ts";
import type { LoadSettings } from "./load.ts";
import type { MixResource } from "./mix.ts";
import type { Summary } from "./stats.ts";

/** The two ways the bench runs the same product and floors (docs/benchmarks.md, "Two columns"). */
export type ColumnKey = "dev" | "prod";
export const COLUMN_KEYS: readonly ColumnKey[] = ["dev", "prod"];
export const COLUMN_NAMES: Record<ColumnKey, string> = {
  dev: "wrangler dev",
  prod: "production-like",
};

/** One column's servers: the product and the floors, and the process trees that run them. */
export interface Column {
  key: ColumnKey;
  base: string;
  floorBase: string;
  productPid: number;
  floorPid: number;
  /** Names each process of those trees (lib/cpu.ts). */
  classify: Classify;
}

/** Everything a scenario needs: the servers of one column, the load settings and the run's size. */
export interface Ctx {
  quick: boolean;
  base: string;
  floorBase: string;
  emulator: EmulatorAdmin;
  hot: BenchUser;
  /** A few assistant ids of the hot user (single-assistant reads). */
  hotIds: string[];
  load: LoadSettings;
}

/** A cold-read or write run: latencies, the emulator's own p50 and the overhead over it. */
export interface OverheadResult extends Summary {
  /** p50 of the same operation sent straight to the emulator, in this run. */
  emulatorP50: number;
  /** p50 − emulatorP50 (the target's definition). */
  overhead: number;
  /** Standard error of that difference: the emulator's random 200–500 ms delays make p50s noisy. */
  noise: number;
  /** Median of (latency − Server-Timing vapi;dur) per request: the same overhead, paired. */
  pairedOverhead: number;
  /**
   * p50 of latency − `total` of a hit sent right after each request by the same client (absent in
   * runs before it): the client's HTTP exchange with the Worker, under the same load.
   */
  hop?: number;
  /** Median per pair of (latency − vapi) − that hit's latency − `total`: the paired overhead net of the exchange. */
  netOverhead?: number;
  /** p50 of each Server-Timing part the product reports (ms; workerd's clock moves on I/O only). */
  serverTiming: { cache: number; d1: number; vapi: number };
  /**
   * The accounting of issue #23 (absent in runs before it): p50 of every Server-Timing phase by
   * name (the coordinator's, then the Worker's `auth`, `rpc`, `total`); p50 of `total` − the sum
   * of the other phases (the Worker's time no phase names); p50 of latency − `total` (outside
   * the Worker: the runtime's entry, the connection, the client).
   */
  accounting?: { phases: Record<string, number>; unaccounted: number; outside: number };
}

export interface CoalescingResult extends Summary {
  /** Cold reads in all (`perResource` × the resources, all at once). */
  concurrent: number;
  /** Of the user's key, all resources (the emulator's per-key counter). */
  upstreamCalls: number;
  statuses: Record<string, number>;
  wallMs: number;
  /** Per resource (absent in runs before issue 24): its cold list reads and the Vapi list calls they made. */
  resources?: Record<MixResource, { concurrent: number; upstreamCalls: number; ok: number }>;
}

/** One resource's share of the many-users run (issue 24). */
export interface ResourceFigures {
  /** Users that sent at least one request for it. */
  users: number;
  answers: number;
  /** Hits ÷ read answers, from each answer's Cache-Status; null without reads. */
  hitRatio: number | null;
  /** Vapi calls by route (the emulator's counters). */
  listReads: number;
  oneReads: number;
  writes: number;
}

export interface ManyUsersResult extends Summary {
  users: number;
  assistantsPerUser: number;
  connections: number;
  requests: number;
  statuses: Record<string, number>;
  /** Vapi calls, all resources. */
  upstream: { total: number; listReads: number; oneReads: number; writes: number; perThousand: number };
  /** Per resource of the mix (absent in runs before issue 24, which read assistants only). */
  resources?: Record<MixResource, ResourceFigures>;
}

export interface MemoryResult {
  entries: number;
  /** `hotLayer.bytes` of the stats: every assistant's JSON string plus the cached list string. */
  hotLayerBytes: number;
  /** Counted bytes per assistant (`hotLayerBytes / entries`). */
  bytesPerEntry: number;
  /** Of which its own JSON string (`hotLayer.jsonBytes / entries`). */
  jsonStringBytesPerEntry: number;
  /** Of which its share of the list string (`hotLayer.listBytes / entries`). */
  listBytesPerEntry: number;
  /** Average JSON size of one assistant as the emulator returns it (UTF-8). */
  jsonBytesPerAssistant: number;
  /** Node/V8 heap growth per parsed assistant object (an estimate of what `bytes` leaves out). */
  parsedHeapPerAssistant: number | null;
}

/** Worker CPU per list read, by process, one read at a time (lib/cpu-meter.ts). */
export interface CpuResult {
  /** Reads measured per path (one per user). */
  reads: number;
  /** The processes' background burn, CPU ms per second, subtracted from every read. */
  idleMsPerSecond: Record<string, number>;
  /** A user's first list read: upstream list, validation, hot layer, D1. */
  cold: CpuFigures;
  /** `Cache-Control: no-cache` on a cached list while Vapi's data is unchanged. */
  revalidation: CpuFigures;
  /** A hit on the same list, one at a time: the part of the above that any request costs. */
  hit: CpuFigures;
  /** The bare-DO floor (`GET /do`), as many requests, one at a time: a request with no product code. */
  floorDo: CpuFigures;
  floorIdleMsPerSecond: Record<string, number>;
}

/** What one column measured. */
export interface ColumnResults extends HotPathFigures {
  miss: OverheadResult;
  write: OverheadResult;
  cpu: CpuResult;
  coalescing: CoalescingResult;
  manyUsers: ManyUsersResult;
}

export interface BenchResults {
  meta: {
    date: string;
    quick: boolean;
    machine: { cpus: number; model: string; memoryGiB: number };
    /** 1-minute load average when the run started and ended (others' work on the machine). */
    loadAverage: { start: number; end: number };
    /** Share of all cores' CPU that processes outside the bench used during the run (0..1). */
    othersCpuShare: number;
    /** lib/cpu.ts calibrate() at start and end, ms: this VM's speed drifts, lower is faster. */
    calibrationMs: { start: number; end: number };
    node: string;
    /** The product as measured: HEAD and the files that differed from it (the working tree ran). */
    product: { commit: string; uncommitted: string[] };
    wrangler: string;
    miniflare: string;
    load: LoadSettings & { rounds: number };
    emulatorLatencyMs: { min: number; max: number };
    ttlSeconds: number;
    listBodyBytes: number;
    oneBodyBytes: number;
    assistantsPerUser: number;
    durationSeconds: number;
  };
  /** The list straight from the emulator (what the dashboard did before), for both columns. */
  direct: Summary;
  columns: Record<ColumnKey, ColumnResults>;
  /** The hot layer's bytes: the product's own counter, the same in both columns (measured in prod). */
  memory: MemoryResult;
}

/** One team size of the team scenario (scenarios/team.ts), production-like. */
export interface TeamSizeResult {
  members: number;
  /** Teams-on writes, each paired with a teams-off write of the same run (no reader polling meanwhile). */
  pairs: number;
  on: Summary;
  off: Summary;
  /** Median of (latency − Server-Timing vapi) of the teams-on and of the teams-off writes. */
  pairedOverhead: { on: number; off: number };
  /** Per pair: (on latency − its vapi) − (off latency − its vapi), the time teams add to a write. */
  added: Summary;
  /** Answers that said `Team-Coordination: unavailable`. */
  unavailable: number;
  /**
   * The Worker process's CPU per paired write (ms, p50 and mean), from its start until every
   * teammate's tab had it; locally that process also runs every coordinator, the team object and D1.
   */
  cpu: { on: { p50: number; mean: number }; off: { p50: number; mean: number } };
  /** Per teams-on write, from the members' /api/cache/stats and the emulator's counters (see docs/benchmarks.md). */
  perWrite: {
    writes: number;
    /** Writes the writer's stats counted as run in their turn and reported in time (team.coordinated). */
    coordinated: number;
    /** Teammates' changes applied, over all teammates (team.applied): one teamChange RPC each. */
    applied: number;
    /** Derived: turn + acknowledged (2) + the applied fan-out. */
    teamRpcs: number;
    /** Derived: the writer's row (1) + one row per applied teammate's change; teams off: 1. */
    d1Statements: number;
    d1StatementsOff: number;
    /** Requests the org's key sent to Vapi (emulator counter), teams on and off. */
    upstream: number;
    upstreamOff: number;
    /** Upstream calls and misses of the teammates (their caches stay warm: 0 expected). */
    teammatesUpstream: number;
    teammatesMisses: number;
  };
  /** Teammates only (null for a team of one). Times from Vapi's acknowledgement (the write's `updatedAt`). */
  propagation: {
    /** Each teammate's tab: its `updated` event (origin "team") of that version. */
    tab: Summary;
    /** Per write, the last of the teammates' tabs. */
    lastTab: Summary;
    /** Member 1's cached GET (polled one at a time during the write): the first answer with the new version. */
    read: Summary;
    /** Member 1's tab in the same polled writes (the polling competes with the write's way to it). */
    readersTab: Summary;
    /** Share of the teammates' events that arrived before the writer had its answer. */
    beforeAnswer: number;
    polledWrites: number;
    missedTabs: number;
    missedReads: number;
    /** Cache-Status of every polled read (hit expected). */
    readStatuses: Record<string, number>;
  } | null;
}

export interface TeamResults {
  meta: {
    date: string;
    quick: boolean;
    machine: { cpus: number; model: string; memoryGiB: number };
    loadAverage: { start: number; end: number };
    othersCpuShare: number;
    calibrationMs: { start: number; end: number };
    node: string;
    product: { commit: string; uncommitted: string[] };
    miniflare: string;
    durationSeconds: number;
  };
  /** The column it ran in (production-like: the one that describes the product). */
  column: ColumnKey;
  settings: TeamSettings;
  sizes: TeamSizeResult[];
}
