// The team scenario inside a bench run (bench/run.ts): its settings, the second production-like
// product it needs (the same bundle with teams off, TEAM_TIMEOUT_MS=0, its own state), and its
// own results file, bench/results/team.json and team.md, so a run of the team scenario alone
// (`--only team`) updates its figures without touching the other scenarios' latest.json.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { teamLines } from "../report/team.ts";
import { type TargetOutcome, targets } from "../report/targets.ts";
import { markdownTable, textTable } from "../report/table.ts";
import { type TeamSettings, teamScenario } from "../scenarios/team.ts";
import type { EmulatorAdmin } from "./api.ts";
import type { Processes } from "./procs.ts";
import { startProductProd } from "./servers.ts";
import type { TeamResults, TeamSizeResult } from "./types.ts";

/** Full: the sizes and ≥ 100 writes each; quick: smaller. */
export const teamSettings = (quick: boolean): TeamSettings => ({
  sizes: quick ? [1, 2, 10] : [1, 2, 10, 50],
  rounds: quick ? 20 : 100,
  assistants: 20,
  // Each size makes 2–3 writes a round, one after another: at the bench's 200–500 ms that would be
  // minutes per size. Every figure leaves Vapi's time out (paired, or from its acknowledgement).
  vapiLatencyMs: { min: 20, max: 50 },
});

export interface TeamRun {
  procs: Processes;
  emulator: EmulatorAdmin;
  /** The production-like product (teams on): its base URL, process name, snapshot's directory and bundle. */
  on: string;
  onName: string;
  productDir: string;
  bundle: string;
  /** A state directory for the teams-off product, and a free port. */
  offState: string;
  offPort: number;
  quick: boolean;
  log: (m: string) => void;
}

const OFF = "product (prod, teams off)";

/** Starts the teams-off product and runs the scenario against both. */
export async function runTeam(r: TeamRun): Promise<{ settings: TeamSettings; sizes: TeamSizeResult[] }> {
  const off = await startProductProd(r.procs, OFF, r.productDir, r.offState, r.emulator.url, r.offPort, {
    bundle: r.bundle,
    vars: ["TEAM_TIMEOUT_MS:0"],
  });
  r.log(`teams-off product on ${off}`);
  const pid = (name: string) => {
    const p = r.procs.pid(name);
    if (p === undefined) throw new Error(`${name} is not running`);
    return p;
  };
  const settings = teamSettings(r.quick);
  const bases = { on: r.on, off, onPid: pid(r.onName), offPid: pid(OFF) };
  return { settings, sizes: await teamScenario(r.emulator, bases, settings, r.log) };
}

/** Writes team.json and team.md to `outDir`; returns the text table and the target outcomes. */
export function writeTeam(outDir: string, results: TeamResults): { text: string; outcome: TargetOutcome[] } {
  const ls = teamLines(results);
  const outcome = targets(ls);
  writeFileSync(join(outDir, "team.json"), `${JSON.stringify({ ...results, targets: outcome }, null, 2)}\n`);
  writeFileSync(join(outDir, "team.md"), `${markdownTable(ls, [results.column])}\n`);
  return { text: textTable(ls, [results.column]), outcome };
}
