// A small hand-written SVG: p50 bars with p99 whiskers on a log scale, one row per scenario.
import type { Summary } from "../lib/stats.ts";
import type { BenchResults } from "../lib/types.ts";

interface Bar {
  label: string;
  s: Summary;
  color: string;
}

const FLOOR = "#9aa5b1";
const HOT = "#2f9e44";
const UPSTREAM = "#e67700";
const LOAD = "#1c7ed6";

const W = 760;
const LEFT = 230;
const RIGHT = 40;
const ROW = 26;
const TOP = 46;

const esc = (t: string) => t.replaceAll("&", "&amp;").replaceAll("<", "&lt;");
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function chart(r: BenchResults): string {
  const n = r.meta.load.connections;
  const u = r.unloaded;
  const bars: Bar[] = [
    { label: "floor: static ×1", s: u.floorStatic, color: FLOOR },
    { label: "floor: bare DO RPC ×1", s: u.floorDo, color: FLOOR },
    { label: "hot hit: list ×1", s: u.hotList, color: HOT },
    { label: "hot hit: one ×1", s: u.hotOne, color: HOT },
    { label: `floor: static ×${n}`, s: r.floorStatic, color: FLOOR },
    { label: `floor: bare DO RPC ×${n}`, s: r.floorDo, color: FLOOR },
    { label: `hot hit: list ×${n}`, s: r.hotList, color: HOT },
    { label: `hot hit: one ×${n}`, s: r.hotOne, color: HOT },
    { label: `many users (${r.manyUsers.users})`, s: r.manyUsers, color: LOAD },
    { label: "direct: list (emulator)", s: r.direct, color: UPSTREAM },
    { label: "miss: cold list", s: r.miss, color: UPSTREAM },
    { label: "write: PATCH", s: r.write, color: UPSTREAM },
    { label: `coalescing (${r.coalescing.concurrent} cold)`, s: r.coalescing, color: UPSTREAM },
  ];
  const values = bars.flatMap((b) => [b.s.p50, b.s.p99]).filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const plot = W - LEFT - RIGHT;
  const xOf = (v: number) => LEFT + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plot;
  const height = TOP + bars.length * ROW + 34;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${height}" fill="#fff"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="600">Latency per scenario, ms (log scale): bar = p50, whisker = p99</text>`,
    `<text x="8" y="18" fill="#555">×N = concurrent connections</text>`,
    `<text x="${LEFT}" y="34" fill="#555">${esc(`${r.meta.quick ? "quick" : "full"} run ${r.meta.date.slice(0, 10)}, ${r.meta.machine.cpus} cores, emulator latency ${r.meta.emulatorLatencyMs.min}–${r.meta.emulatorLatencyMs.max} ms`)}</text>`,
  ];
  for (let d = lo; d <= hi; d++) {
    const xv = xOf(10 ** d).toFixed(1);
    out.push(
      `<line x1="${xv}" y1="${TOP - 4}" x2="${xv}" y2="${TOP + bars.length * ROW}" stroke="#ddd"/>`,
      `<text x="${xv}" y="${TOP + bars.length * ROW + 16}" text-anchor="middle" fill="#555">${Number((10 ** d).toPrecision(1))} ms</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = TOP + i * ROW;
    const x50 = xOf(b.s.p50);
    const x99 = xOf(b.s.p99);
    out.push(
      `<text x="${LEFT - 8}" y="${y + 16}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${LEFT}" y="${y + 5}" width="${Math.max(1, x50 - LEFT).toFixed(1)}" height="${ROW - 10}" fill="${b.color}"/>`,
      `<line x1="${x50.toFixed(1)}" y1="${y + ROW / 2}" x2="${x99.toFixed(1)}" y2="${y + ROW / 2}" stroke="#333"/>`,
      `<line x1="${x99.toFixed(1)}" y1="${y + 8}" x2="${x99.toFixed(1)}" y2="${y + ROW - 8}" stroke="#333"/>`,
      `<text x="${Math.min(x99 + 5, W - RIGHT).toFixed(1)}" y="${y + 16}" fill="#333">${fmt(b.s.p50)}</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
