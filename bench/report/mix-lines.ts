// The table lines of the two scenarios that run the mix of resources (coalescing, many users),
// per column, with a line per resource where the resources differ (issue 24). Runs before issue 24
// read assistants only: their results have no per-resource figures, and show the totals alone.
import { MIX_RESOURCES, type MixResource } from "../lib/mix.ts";
import { latency, num } from "./format.ts";
import { COLUMN_KEYS, type ColumnKey, type ColumnResults } from "../lib/types.ts";
import type { Line } from "./targets.ts";

export type MixColumns = Record<ColumnKey, Pick<ColumnResults, "coalescing" | "manyUsers">>;
type Of<T> = (c: MixColumns[ColumnKey]) => T;

const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);

function line(cols: MixColumns, scenario: string, figure: string, value: Of<string>, target?: { text: string; met: Of<boolean> }): Line {
  const cells: Partial<Record<ColumnKey, string>> = {};
  const met: Partial<Record<ColumnKey, boolean>> = {};
  for (const k of COLUMN_KEYS) {
    cells[k] = value(cols[k]);
    if (target) met[k] = target.met(cols[k]);
  }
  return { scenario, figure, cells, ...(target ? { target: target.text, met } : {}) };
}

const each = <T>(of: Of<Partial<Record<MixResource, T>> | undefined>) => (c: MixColumns[ColumnKey]) =>
  MIX_RESOURCES.flatMap((r) => {
    const v = of(c)?.[r];
    return v === undefined ? [] : [[r, v] as const];
  });

function coalescingLines(cols: MixColumns): Line[] {
  const per = each((c) => c.coalescing.resources);
  const perResource = cols.prod.coalescing.resources?.assistants?.concurrent;
  const name = perResource === undefined ? `coalescing: ${cols.prod.coalescing.concurrent} cold reads` : `coalescing: ${perResource} cold reads × ${MIX_RESOURCES.length} resources`;
  const allOne = (c: MixColumns[ColumnKey]) => {
    const rs = per(c);
    return rs.length > 0 ? rs.every(([, v]) => v.upstreamCalls === 1) : c.coalescing.upstreamCalls === 1;
  };
  return [
    line(cols, name, "p50 / p99 ms · req/s", (c) => latency(c.coalescing)),
    line(cols, "", "upstream calls, answers ok", (c) => `${c.coalescing.upstreamCalls}, ${c.coalescing.count}/${c.coalescing.concurrent}`, {
      text: "exactly 1 upstream call per resource, all ok",
      met: (c) => allOne(c) && c.coalescing.failed === 0,
    }),
    line(cols, "", "Vapi list calls per resource", (c) => per(c).map(([r, v]) => `${r} ${v.upstreamCalls}`).join(", ")),
  ];
}

function manyUsersLines(cols: MixColumns, assistantsPerUser: number): Line[] {
  const per = each((c) => c.manyUsers.resources);
  const listsOk = (c: MixColumns[ColumnKey]) => {
    const rs = per(c);
    const m = c.manyUsers;
    return (rs.length > 0 ? rs.every(([, v]) => v.listReads <= v.users) : m.upstream.listReads <= m.users) && m.failed === 0;
  };
  const mixed = cols.prod.manyUsers.resources !== undefined;
  return [
    line(cols, `many users: ${cols.prod.manyUsers.users} × ${assistantsPerUser}${mixed ? " (+ numbers, tools, squads)" : ""}`, "p50 / p99 ms · req/s", (c) => latency(c.manyUsers)),
    line(cols, "", "upstream calls / 1000 req", (c) => c.manyUsers.upstream.perThousand.toFixed(1)),
    line(cols, "", "list reads, users", (c) => `${c.manyUsers.upstream.listReads}, ${c.manyUsers.users}`, {
      text: mixed ? "≤ 1 list read per user and resource per TTL" : "≤ 1 list read per user per TTL",
      met: listsOk,
    }),
    ...(mixed
      ? MIX_RESOURCES.map((r) =>
          line(cols, "", `${r}: answers · hit ratio · Vapi list / one / PATCH (users)`, (c) => {
            const v = c.manyUsers.resources?.[r];
            return v ? `${v.answers} · ${pct(v.hitRatio)} · ${v.listReads} / ${v.oneReads} / ${v.writes} (${v.users})` : "";
          }),
        )
      : []),
  ];
}

export function mixLines(cols: MixColumns, assistantsPerUser: number): Line[] {
  return [...coalescingLines(cols), ...manyUsersLines(cols, assistantsPerUser)];
}
