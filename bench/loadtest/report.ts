// The printed report: what was sent, how it was answered, and what reached Vapi meanwhile.
import type { Report } from "./run.ts";
import { OUTCOMES, type Outcome } from "./tally.ts";

const ms = (v: number | null) => (v === null ? "—" : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);
const pad = (cells: (string | number)[], widths: number[]) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0))).join("  ");

const outcomes = (counts: Partial<Record<Outcome, number>>) =>
  OUTCOMES.filter((o) => (counts[o] ?? 0) > 0).map((o) => `${o} ${counts[o]}`).join(" · ") || "—";

export function textReport(r: Report): string {
  const s = r.settings;
  const out = [
    `loadtest ${r.scenario} → ${r.url}  (${s.users} user(s), ${r.scenario === "stampede" ? `${s.connections} at once` : `${s.connections} connections, ${s.durationSeconds} s`}${s.rate ? `, ${s.rate} req/s` : ""})`,
    "",
    `requests     ${r.requests} sent = ${r.answered} answered + ${r.errors} errors + ${r.cutOff} cut off at the end, in ${r.seconds.toFixed(1)} s (${r.rps.toFixed(1)} answers/s)`,
    `latency 2xx  p50 ${ms(r.latencyMs.p50)} ms · p90 ${ms(r.latencyMs.p90)} ms · p99 ${ms(r.latencyMs.p99)} ms · max ${ms(r.latencyMs.max)} ms`,
    `status       ${Object.entries(r.statuses).map(([code, n]) => `${code}: ${n}`).join(" · ") || "—"}`,
    `Cache-Status ${outcomes(r.cacheStatus)}`,
    ...Object.entries(r.cacheStatusByResource).map(([resource, counts]) => `  ${resource.padEnd(13)}${outcomes(counts)}`),
    "",
    `upstream (GET /api/cache/stats, after − before): ${r.requests} requests, ${r.upstreamCalls} upstream call(s)`,
  ];
  const widths = [Math.max(4, ...r.users.map((u) => u.user.length)), 8, 8, 6, 9, 6, 6, 9];
  out.push(pad(["user", "requests", "upstream", "misses", "coalesced", "hits", "writes", "hit ratio"], widths));
  for (const u of r.users) {
    out.push(pad([u.user, u.requests, u.upstreamCalls, u.misses, u.coalesced, u.hits, u.writes, pct(u.hitRatio)], widths));
  }
  if (r.ramp) {
    out.push("", `ramp (knee: ${r.ramp.knee === null ? "none within bounds" : `${r.ramp.knee} connection(s)`})`);
    const w = [11, 8, 8, 8, 8, 7, 6];
    out.push(pad(["connections", "requests", "req/s", "p50 ms", "p99 ms", "errors", "ok"], w));
    for (const st of r.ramp.steps) {
      out.push(pad([st.connections, st.requests, st.rps.toFixed(0), ms(st.p50), ms(st.p99), pct(st.errorRate), st.withinBounds ? "yes" : "NO"], w));
    }
  }
  if (r.notes.length) out.push("", ...r.notes.map((n) => `note: ${n}`));
  return out.join("\n");
}
