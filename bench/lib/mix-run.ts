// `npm run bench -- --only mix`: the two scenarios that run the mix of resources (coalescing and
// many users) alone, in both columns, without the floors, the hot path, CPU and memory that the
// rest of the bench measures first. Prints their table; writes no results file (a full run does).
import { join } from "node:path";
import type { ResourceCounts } from "../../emulator/generate-resources.ts";
import { devSecrets } from "../../scripts/dev-env.ts";
import { type MixColumns, mixLines } from "../report/mix-lines.ts";
import { textTable } from "../report/table.ts";
import { coalescing } from "../scenarios/coalescing.ts";
import { manyUsers } from "../scenarios/many-users.ts";
import { EmulatorAdmin, provision } from "./api.ts";
import type { LoadSettings } from "./load.ts";
import type { Processes } from "./procs.ts";
import { portPool, snapshotProduct, startEmulator, startProduct, startProductProd } from "./servers.ts";
import { COLUMN_KEYS } from "./types.ts";

export interface MixRun {
  procs: Processes;
  tmp: string;
  quick: boolean;
  latency: { min: number; max: number };
  assistants: number;
  more: ResourceCounts;
  manyUsers: number;
  coalesce: number;
  load: LoadSettings;
  log: (msg: string) => void;
}

export async function mixAlone(o: MixRun): Promise<string> {
  devSecrets();
  const product = snapshotProduct(join(o.tmp, "product"));
  const port = await portPool(4);
  const emulator = new EmulatorAdmin(await startEmulator(o.procs, port(), o.latency));
  const devAt = { port: port(), inspectorPort: port() };
  const bases = await Promise.all([
    startProduct(o.procs, "product", product.dir, join(o.tmp, "state-dev"), emulator.url, devAt),
    startProductProd(o.procs, "product (prod)", product.dir, join(o.tmp, "state-prod"), emulator.url, port()),
  ]);
  o.log(`products on ${bases.join(" and ")}, emulator on ${emulator.url}`);
  const [coalesceUser] = await provision(emulator, bases, "coalesce", 1, o.assistants, o.more);
  const many = await provision(emulator, bases, "many", o.manyUsers, o.assistants, o.more);
  if (!coalesceUser) throw new Error("no coalescing user");
  const cols: Partial<MixColumns> = {};
  for (const [i, key] of COLUMN_KEYS.entries()) {
    // These two scenarios read neither the hot user nor the floors.
    const ctx = { quick: o.quick, base: bases[i] ?? "", floorBase: "", emulator, hot: coalesceUser, hotIds: [], load: o.load };
    const c = await coalescing(ctx, coalesceUser, o.coalesce);
    o.log(`${key} coalescing: ${c.upstreamCalls} upstream call(s), statuses ${JSON.stringify(c.statuses)}`);
    const m = await manyUsers(ctx, many, o.assistants, o.quick ? 3 : 10);
    o.log(`${key} many users: ${Math.round(m.rps ?? 0)} req/s, ${m.upstream.listReads} list reads`);
    cols[key] = { coalescing: c, manyUsers: m };
  }
  return textTable(mixLines(cols as MixColumns, o.assistants));
}
