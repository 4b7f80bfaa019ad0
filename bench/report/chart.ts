// A small hand-written SVG: p50 bars with p99 whiskers on a log scale, one row per scenario,
// two bars per row: wrangler dev (light) above production-like (full colour).
import type { Summary } from "../lib/stats.ts";
import { type BenchResults, COLUMN_KEYS, type ColumnKey, type ColumnResults } from "../lib/types.ts";

interface Row {
  label: string;
  of: (c: ColumnResults) => Summary;
  color: string;
}

interface Bar {
  s: Summary;
  color: string;
  column: ColumnKey;
  row: number;
}

const FLOOR = "#9aa5b1";
const HOT = "#2f9e44";
const UPSTREAM = "#e67700";
const LOAD = "#1c7ed6";

const W = 760;
const LEFT = 230;
const RIGHT = 40;
const ROW = 30;
const TOP = 58;

const esc = (t: string) => t.replaceAll("&", "&amp;").replaceAll("<", "&lt;");
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function chart(r: BenchResults): string {
  const n = r.meta.load.connections;
  const rows: Row[] = [
    { label: "floor: static ×1", of: (c) => c.unloaded.floorStatic, color: FLOOR },
    { label: "floor: bare DO RPC ×1", of: (c) => c.unloaded.floorDo, color: FLOOR },
    { label: "hot hit: list ×1", of: (c) => c.unloaded.hotList, color: HOT },
    { label: "hot hit: one ×1", of: (c) => c.unloaded.hotOne, color: HOT },
    { label: `floor: static ×${n}`, of: (c) => c.floorStatic, color: FLOOR },
    { label: `floor: bare DO RPC ×${n}`, of: (c) => c.floorDo, color: FLOOR },
    { label: `hot hit: list ×${n}`, of: (c) => c.hotList, color: HOT },
    { label: `hot hit: one ×${n}`, of: (c) => c.hotOne, color: HOT },
    { label: `many users (${r.columns.prod.manyUsers.users})`, of: (c) => c.manyUsers, color: LOAD },
    { label: "direct: list (emulator)", of: () => r.direct, color: UPSTREAM },
    { label: "miss: cold list", of: (c) => c.miss, color: UPSTREAM },
    { label: "write: PATCH", of: (c) => c.write, color: UPSTREAM },
    { label: `coalescing (${r.columns.prod.coalescing.concurrent} cold)`, of: (c) => c.coalescing, color: UPSTREAM },
  ];
  const bars: Bar[] = rows.flatMap((row, i) => COLUMN_KEYS.map((k) => ({ s: row.of(r.columns[k]), color: row.color, column: k, row: i })));
  const values = bars.flatMap((b) => [b.s.p50, b.s.p99]).filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const plot = W - LEFT - RIGHT;
  const xOf = (v: number) => LEFT + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plot;
  const height = TOP + rows.length * ROW + 34;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${height}" fill="#fff"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="600">Latency per scenario, ms (log scale): bar = p50, whisker = p99</text>`,
    `<text x="8" y="18" fill="#555">×N = concurrent connections</text>`,
    `<text x="${LEFT}" y="34" fill="#555">${esc(`${r.meta.quick ? "quick" : "full"} run ${r.meta.date.slice(0, 10)}, ${r.meta.machine.cpus} cores, emulator latency ${r.meta.emulatorLatencyMs.min}–${r.meta.emulatorLatencyMs.max} ms`)}</text>`,
    `<text x="${LEFT}" y="50" fill="#555">upper bar (light): wrangler dev · lower bar: production-like (the deploy bundle on workerd)</text>`,
  ];
  for (let d = lo; d <= hi; d++) {
    const xv = xOf(10 ** d).toFixed(1);
    out.push(
      `<line x1="${xv}" y1="${TOP - 4}" x2="${xv}" y2="${TOP + rows.length * ROW}" stroke="#ddd"/>`,
      `<text x="${xv}" y="${TOP + rows.length * ROW + 16}" text-anchor="middle" fill="#555">${Number((10 ** d).toPrecision(1))} ms</text>`,
    );
  }
  rows.forEach((row, i) => out.push(`<text x="${LEFT - 8}" y="${TOP + i * ROW + 19}" text-anchor="end">${esc(row.label)}</text>`));
  for (const b of bars) {
    const half = (ROW - 6) / 2;
    const y = TOP + b.row * ROW + 3 + (b.column === "dev" ? 0 : half);
    const x50 = xOf(b.s.p50);
    const x99 = xOf(b.s.p99);
    out.push(
      `<rect x="${LEFT}" y="${y + 1}" width="${Math.max(1, x50 - LEFT).toFixed(1)}" height="${half - 2}" fill="${b.color}"${b.column === "dev" ? ' fill-opacity="0.4"' : ""}/>`,
      `<line x1="${x50.toFixed(1)}" y1="${y + half / 2}" x2="${x99.toFixed(1)}" y2="${y + half / 2}" stroke="#333"/>`,
      `<line x1="${x99.toFixed(1)}" y1="${y + 2}" x2="${x99.toFixed(1)}" y2="${y + half - 2}" stroke="#333"/>`,
      `<text x="${Math.min(x99 + 5, W - RIGHT).toFixed(1)}" y="${y + half - 2}" fill="#333" font-size="10">${fmt(b.s.p50)}</text>`,
    );
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
