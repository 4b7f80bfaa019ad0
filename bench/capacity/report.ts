// The capacity table as Markdown: one column per population, the inputs it assumed, and the
// limits it checked with their sources. Plain number formatting, so the output is byte-stable.
import { HIBERNATION_SOURCE, LIMITS } from "./limits.ts";
import { breaksFirst, type Figures, type Inputs, model } from "./model.ts";

/** `v` with thousands separators and about three significant digits. */
export function fmt(v: number): string {
  if (v === 0) return "0";
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(v)));
  const [int = "", frac] = v.toFixed(digits).split(".");
  return `${int.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${frac ? `.${frac}` : ""}`;
}
const pct = (share: number) => `${fmt(share * 100)}%`;
/** An input as written: `2`, not `2.00`. */
const plain = (v: number) => fmt(v).replace(/\.0+$/, "");
const bytes = (b: number) => (b >= 10 ** 9 ? `${fmt(b / 10 ** 9)} GB` : b >= 10 ** 6 ? `${fmt(b / 10 ** 6)} MB` : `${fmt(b / 1000)} KB`);

type Row = [string, (f: Figures, users: number) => string];

const ROWS: Row[] = [
  ["users with a tab open", (f) => fmt(f.tabUsers)],
  ["requests/s (reads, writes, refresh-ahead)", (f) => fmt(f.requestsPerSecond)],
  ["coordinator wakes/s (from hibernation)", (f) => fmt(f.wakesPerSecond)],
  ["**D1 statements/s**", (f) => fmt(f.d1PerSecond)],
  ["D1 query time, share of one database", (f) => pct(f.checks.find((c) => c.name.startsWith("D1 query"))?.share ?? 0)],
  ["D1 statements/s, hydrating from the coordinator's storage", (f) => fmt(f.d1PerSecondAfterSwitch)],
  ["D1 databases needed, sharded by user: as built / hydrating from the coordinator", (f) => `${f.d1Databases.asBuilt} / ${f.d1Databases.afterSwitch}`],
  ["**D1 storage** (share of 10 GB)", (f) => `${bytes(f.d1Bytes)} (${pct(f.d1Bytes / LIMITS.d1Bytes.value)})`],
  ["Vapi calls/s, all orgs", (f) => fmt(f.vapiPerSecond)],
  ["**Vapi calls/s per org**", (f) => fmt(f.vapiPerOrgPerSecond)],
  ["**team RPCs/s** (turns, reports, fan-out)", (f) => fmt(f.teamRpcsPerSecond)],
  ["requests/s per team object (of 1,000)", (f) => fmt(f.teamObjectPerSecond)],
  ["**memory per coordinator** (of 128 MB)", (f) => bytes(f.memoryPerCoordinator)],
  ["requests/s per coordinator (of 1,000)", (f) => fmt(f.coordinatorPerSecond)],
  ["Worker + coordinator CPU, cores", (f) => fmt(f.cpuCores)],
  [
    "**closest to its limit**",
    (f, users) => {
      const { check, atUsers } = breaksFirst(f, users);
      const at = atUsers === null ? "" : check.share >= 1 ? `; past it from ${fmt(atUsers)} users` : `; reached at ${fmt(atUsers)} users`;
      return `${check.name}, ${pct(check.share)}${at}`;
    },
  ],
  ["the switch that moves it", (f, users) => breaksFirst(f, users).check.switch],
];

function inputsLine(i: Omit<Inputs, "users">, measuredFrom: string): string {
  return [
    `Assumed: ${i.assistantsPerUser} assistants per user; ${plain(i.tabShare * 100)}% of users with a tab open at the peak, each`,
    `making ${plain(i.readsPerMinute)} reads a minute and ${plain(i.writesPerHour)} writes an hour; teams of ${i.teamSize}; ${plain(i.changedShare * 100)}% of list`,
    `refreshes find a change made in Vapi; ${plain(i.d1QueryMs)} ms per D1 statement. From wrangler.toml: TTL ${i.ttlSeconds} s,`,
    `refresh-ahead ${i.refreshAheadSeconds} s. Measured (${measuredFrom}):`,
    `${plain(i.assistantBytes)} B per assistant, ${fmt(i.memoryPerJsonByte)} B held per JSON byte, ${fmt(i.cpuHitMs)} ms of CPU per hit`,
    `and ${fmt(i.cpuRefreshMs)} ms per refresh; per write, ${plain(i.teamCallsPerWrite)} RPCs to the team object and ${fmt(i.cpuTeamMs)} ms of CPU,`,
    `and per teammate ${plain(i.fanoutPerTeammate)} fan-out RPC (one D1 row) and ${fmt(i.cpuPerTeammateMs)} ms of CPU.`,
  ].join("\n");
}

/** The Markdown block docs/operations.md carries (between its capacity markers). */
export function markdown(populations: number[], base: Omit<Inputs, "users">, measuredFrom: string): string {
  const figures = populations.map((users) => ({ users, f: model({ ...base, users }) }));
  const head = `| at the peak | ${figures.map(({ users }) => `${fmt(users)} users`).join(" | ")} |`;
  const align = `|---|${figures.map(() => "--:").join("|")}|`;
  const rows = ROWS.map(([label, cell]) => `| ${label} | ${figures.map(({ users, f }) => cell(f, users)).join(" | ")} |`);
  const limits = Object.values(LIMITS).map((l) => `- ${l.shown} ${l.what}: ${l.source}`);
  return [
    inputsLine(base, measuredFrom),
    "",
    head,
    align,
    ...rows,
    "",
    "Limits checked (Cloudflare's published figures):",
    ...limits,
    `- hibernatable WebSockets stay connected while the object is out of memory: ${HIBERNATION_SOURCE}`,
  ].join("\n");
}
