// The figures as a plain-text table (stdout) and a Markdown table (latest.md, docs/benchmarks.md):
// one row per figure, the two columns side by side, each cell marked met / NOT MET where the
// row has a target.
import { COLUMN_KEYS, COLUMN_NAMES, type ColumnKey } from "../lib/types.ts";
import type { Line } from "./targets.ts";

const head = (columns: readonly ColumnKey[]) => ["scenario", "figure", ...columns.map((k) => COLUMN_NAMES[k]), "target"];

function cells(l: Line, columns: readonly ColumnKey[], mark: (met: boolean) => string): string[] {
  const cell = (k: ColumnKey) => {
    const met = l.met?.[k];
    const value = l.cells[k] ?? "";
    return met === undefined ? value : `${value} ${mark(met)}`;
  };
  return [l.scenario, l.figure, ...columns.map(cell), l.target ?? ""];
}

/** `columns`: the ones to show (a scenario that ran in one column only shows that one). */
export function textTable(ls: Line[], columns: readonly ColumnKey[] = COLUMN_KEYS): string {
  const HEAD = head(columns);
  const rows = [HEAD, ...ls.map((l) => cells(l, columns, (met) => (met ? "met" : "NOT MET")))];
  const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [fmt(HEAD), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(fmt)].join("\n");
}

export function markdownTable(ls: Line[], columns: readonly ColumnKey[] = COLUMN_KEYS): string {
  const HEAD = head(columns);
  const esc = (c: string) => c.replaceAll("|", "\\|");
  const row = (r: string[]) => `| ${r.map(esc).join(" | ")} |`;
  const align = `|${HEAD.map(() => "---").join("|")}|`;
  return [row(HEAD), align, ...ls.map((l) => row(cells(l, columns, (met) => (met ? "met" : "**NOT MET**"))))].join("\n");
}
