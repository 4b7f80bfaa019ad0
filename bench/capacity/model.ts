// The capacity model: what the design needs at the peak for one population, from the bench's
// per-operation costs, and how close each Cloudflare limit is. Each formula carries its why.
import { LIMITS } from "./limits.ts";

export interface Inputs {
  users: number;
  assistantsPerUser: number;
  /** Share of users with a dashboard tab open (the events socket) at the peak. */
  tabShare: number;
  /** Users per Vapi org (a team); 1 = no teams. */
  teamSize: number;
  ttlSeconds: number;
  refreshAheadSeconds: number;
  /** API reads per minute of a user with a tab open (hits, mostly). */
  readsPerMinute: number;
  /** Writes per hour of a user with a tab open. */
  writesPerHour: number;
  /** Share of list refreshes that find a change made outside the service (Vapi's own dashboard). */
  changedShare: number;
  pageSize: number;
  /** CACHE_MAX_BYTES: counted hot-layer bytes per coordinator before payloads leave memory. */
  cacheMaxBytes: number;
  // Measured by the bench (production-like column), or defaults:
  /** One assistant's JSON, bytes. */
  assistantBytes: number;
  /** Hot-layer bytes counted per JSON byte (the assistant's string and its share of the list string). */
  countedPerJsonByte: number;
  /** Everything held per JSON byte: counted strings plus the parsed object (V8 estimate). */
  memoryPerJsonByte: number;
  /** Query time of one D1 statement, ms (D1 runs one at a time). */
  d1QueryMs: number;
  /** Worker + coordinator CPU per hit, ms. */
  cpuHitMs: number;
  /** Worker + coordinator CPU per unchanged list refresh, ms (what a refresh-ahead alarm does). */
  cpuRefreshMs: number;
  // Teams, measured by the bench's team scenario (bench/results/team.json), or defaults:
  /** RPCs from a writer's coordinator to its team object per write (its turn and its report), a team of one too. */
  teamCallsPerWrite: number;
  /** Fan-out RPCs per teammate per write (each teammate's coordinator writes one D1 row for it). */
  fanoutPerTeammate: number;
  /** Worker + coordinator CPU a write's team coordination adds, ms (a team of one). */
  cpuTeamMs: number;
  /** Worker + coordinator CPU per teammate per write, ms (the team's RPC, the teammate applying it). */
  cpuPerTeammateMs: number;
}

/** One limit checked: how much of it the population uses, and the switch that moves it. */
export interface Check {
  name: string;
  /** Used share of the limit (1 = at the limit). */
  share: number;
  /** Whether the share grows with the number of users (then it breaks at users ÷ share). */
  perPopulation: boolean;
  switch: string;
}

export interface Figures {
  tabUsers: number;
  orgs: number;
  requestsPerSecond: number;
  wakesPerSecond: number;
  d1PerSecond: number;
  d1PerSecondAfterSwitch: number;
  /** D1 databases needed, sharded by user: as built, and with the switch. */
  d1Databases: { asBuilt: number; afterSwitch: number };
  d1Bytes: number;
  vapiPerSecond: number;
  vapiPerOrgPerSecond: number;
  teamRpcsPerSecond: number;
  teamObjectPerSecond: number;
  memoryPerCoordinator: number;
  coordinatorPerSecond: number;
  cpuCores: number;
  checks: Check[];
}

// A D1 row beyond its JSON: the key columns, two integers and the entries of the primary key and
// the two indexes (user_id, cached_at) that repeat the user id and the assistant id.
const ROW_OVERHEAD_BYTES = 200;
// Per user: the users row and the encrypted key with its IV and last four characters.
const USER_OVERHEAD_BYTES = 400;

export function model(i: Inputs): Figures {
  // Users with a tab open are the ones making requests at the peak; the others cost nothing.
  const tabUsers = i.users * i.tabShare;
  // A team is one Vapi org; each member keeps its own cache and rows all the same (invariant 8).
  const orgs = i.users / i.teamSize;
  // Refresh-ahead runs every TTL − ahead, never more often than every half TTL (refresh-ahead.ts).
  const period = Math.max(i.ttlSeconds - i.refreshAheadSeconds, i.ttlSeconds / 2);
  // A complete list costs one Vapi call per page.
  const pages = Math.max(1, Math.ceil(i.assistantsPerUser / i.pageSize));
  const reads = i.readsPerMinute / 60;
  const writes = i.writesPerHour / 3600;
  const requests = reads + writes;
  // Poisson arrivals find the coordinator hibernated after ≥ 10 s of quiet (probability e^(−10λ));
  // the refresh-ahead alarm, minutes apart, always does.
  const asleep = Math.exp(-LIMITS.hibernateAfterSeconds.value * requests);
  // As built (durable-objects/team.ts), every write of the team reaches every other member, tab or
  // not: a member without a tab makes no requests, so the fan-out always finds it out of memory.
  const teammates = i.teamSize - 1;
  const teammateAsleep = 1 - i.tabShare + i.tabShare * asleep;
  const fanout = writes * teammates * i.fanoutPerTeammate;
  const wakes = requests * asleep + 1 / period + fanout * teammateAsleep;
  // Every wake rehydrates from D1 (rows and list marker, a batch of 2); a wake that calls Vapi (the
  // alarm's refresh, a write) also reads the user's key (1).
  const d1Hydrate = wakes * 2 + 1 / period + writes * asleep;
  // Every refresh writes the list marker; a changed list adds one bulk upsert (≤ 1.9 MB a statement).
  const bulk = Math.max(1, Math.ceil((i.assistantsPerUser * (i.assistantBytes + 60)) / 1_900_000));
  const d1Refresh = (1 + i.changedShare * bulk) / period;
  // A write is one row in the writer's cache and one in each teammate's.
  const d1Writes = writes + fanout;
  const d1PerSecond = tabUsers * (d1Hydrate + d1Refresh + d1Writes);
  // The switch: rows, marker and key in the coordinator's own SQLite; D1 sees writes and changes only.
  const d1PerSecondAfterSwitch = tabUsers * (d1Writes + (i.changedShare * bulk) / period);
  // Every user holds their own rows: the JSON plus the row's and its index entries' overhead.
  const d1Bytes = i.users * (i.assistantsPerUser * (i.assistantBytes + ROW_OVERHEAD_BYTES) + USER_OVERHEAD_BYTES);
  // Each member with a tab refreshes its own list; every write is one call.
  const vapiPerOrgPerSecond = i.teamSize * i.tabShare * (pages / period + writes);
  // Each write asks the team's object for its turn and reports to it (also in a team of one); the
  // object sends it on to every teammate.
  const teamRpcsPerSecond = tabUsers * (writes * i.teamCallsPerWrite + fanout);
  const teamObjectPerSecond = i.teamSize * i.tabShare * writes * i.teamCallsPerWrite;
  // The hot layer holds what CACHE_MAX_BYTES lets it count, plus the parsed objects of those.
  const counted = Math.min(i.assistantsPerUser * i.assistantBytes * i.countedPerJsonByte, i.cacheMaxBytes);
  const memoryPerCoordinator = (counted / i.countedPerJsonByte) * i.memoryPerJsonByte;
  // One coordinator per user: its user's requests, the alarm, and its teammates' writes.
  const coordinatorPerSecond = requests + 1 / period + teammates * i.tabShare * writes * i.fanoutPerTeammate;
  // Every request and refresh runs the Worker and the coordinator (bench: CPU per hit and per
  // refresh); a write adds its team's coordination and each teammate's share of the fan-out.
  const teamCpu = writes * (i.cpuTeamMs + teammates * i.cpuPerTeammateMs);
  const cpuCores = (tabUsers * (requests * i.cpuHitMs + i.cpuRefreshMs / period + teamCpu)) / 1000;
  const busy = (statements: number) => (statements * i.d1QueryMs) / LIMITS.d1BusyMsPerSecond.value;
  const d1Busy = busy(d1PerSecond);
  // Sharded by user, each database takes its share of both the query time and the rows.
  const storageShare = d1Bytes / LIMITS.d1Bytes.value;
  const d1Databases = {
    asBuilt: Math.max(1, Math.ceil(Math.max(d1Busy, storageShare))),
    afterSwitch: Math.max(1, Math.ceil(Math.max(busy(d1PerSecondAfterSwitch), storageShare))),
  };
  const checks: Check[] = [
    {
      name: "D1 query time (one database)",
      share: d1Busy,
      perPopulation: true,
      switch: "rows, list marker and key in the coordinator's own SQLite (hydrate without D1), then D1 sharded by user",
    },
    {
      name: "D1 storage (one database)",
      share: storageShare,
      perPopulation: true,
      switch: "D1 sharded by user, or the rows kept in each coordinator's SQLite (10 GB per object)",
    },
    {
      name: "memory per coordinator",
      share: memoryPerCoordinator / LIMITS.memoryBytes.value,
      perPopulation: false,
      switch: "a lower CACHE_MAX_BYTES (payloads past it are read back from D1)",
    },
    {
      name: "requests per coordinator",
      share: coordinatorPerSecond / LIMITS.doRequestsPerSecond.value,
      perPopulation: false,
      switch: "none for a person; the per-user rate limits stop a script",
    },
    {
      name: "requests per team object",
      share: teamObjectPerSecond / LIMITS.doRequestsPerSecond.value,
      perPopulation: false,
      switch: "one team object per org and assistant-id shard",
    },
  ];
  return {
    tabUsers,
    orgs,
    requestsPerSecond: tabUsers * (requests + 1 / period),
    wakesPerSecond: tabUsers * wakes,
    d1PerSecond,
    d1PerSecondAfterSwitch,
    d1Databases,
    d1Bytes,
    vapiPerSecond: orgs * vapiPerOrgPerSecond,
    vapiPerOrgPerSecond,
    teamRpcsPerSecond,
    teamObjectPerSecond,
    memoryPerCoordinator,
    coordinatorPerSecond,
    cpuCores,
    checks,
  };
}

/** The check closest to (or past) its limit, and the population at which it reaches it. */
export function breaksFirst(f: Figures, users: number): { check: Check; atUsers: number | null } {
  const [first] = [...f.checks].sort((a, b) => b.share - a.share);
  if (!first) throw new Error("no checks");
  return { check: first, atUsers: first.perPopulation && first.share > 0 ? Math.round(users / first.share) : null };
}
