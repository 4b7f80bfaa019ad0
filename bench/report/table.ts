// The figures as a plain-text table (stdout) and a Markdown table (for docs/benchmarks.md).
import type { Line } from "./targets.ts";

const HEAD = ["scenario", "p50 ms", "p99 ms", "req/s", "ratio", "target", "met"];

function num(v: number | null | undefined): string {
  if (v === undefined || v === null || Number.isNaN(v)) return "";
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function cells(l: Line): string[] {
  const met = l.met === undefined ? "" : l.met ? "met" : "NOT MET";
  const rps = l.rps === undefined || l.rps === null ? "" : Math.round(l.rps).toString();
  return [l.scenario, num(l.p50), num(l.p99), rps, l.ratio, l.target ?? "", met];
}

export function textTable(ls: Line[]): string {
  const rows = [HEAD, ...ls.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const numeric = new Set([1, 2, 3]);
  const fmt = (r: string[]) =>
    r.map((c, i) => (numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return [fmt(HEAD), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(fmt)].join("\n");
}

export function markdownTable(ls: Line[]): string {
  const esc = (c: string) => c.replaceAll("|", "\\|");
  const row = (r: string[]) => `| ${r.map(esc).join(" | ")} |`;
  const align = "|---|--:|--:|--:|---|---|---|";
  return [row(HEAD), align, ...ls.map((l) => row(cells(l).map((c, i) => (i === 6 && c ? `**${c}**` : c))))].join("\n");
}
