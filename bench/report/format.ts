import type { Summary } from "../lib/stats.ts";

/** A figure with the precision its size deserves: 3 significant digits, more below 10. */
export function num(v: number | null | undefined): string {
  if (v === undefined || v === null || Number.isNaN(v)) return "";
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** `p50 / p99 · req/s` of a latency summary. */
export const latency = (s: Summary) => `${num(s.p50)} / ${num(s.p99)}${s.rps === null ? "" : ` · ${Math.round(s.rps)}/s`}`;
