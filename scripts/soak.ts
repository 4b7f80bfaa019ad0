// `npm run soak`: the consistency-history test, long and with a fresh seed (or HISTORY_SEED to
// replay one). vitest prints the operations run, the violations found and the seed.
import { spawnSync } from "node:child_process";

const seed = process.env.HISTORY_SEED || String(Math.floor(Math.random() * 2 ** 31));
const ops = process.env.HISTORY_OPS_PER_CLIENT || "250";
console.log(`soak: seed ${seed}, ${ops} operations per client (replay with HISTORY_SEED=${seed})`);
const run = spawnSync("vitest", ["run", "--project", "worker", "test/worker/consistency-history.test.ts"], {
  stdio: "inherit",
  env: { ...process.env, HISTORY_SEED: seed, HISTORY_OPS_PER_CLIENT: ops },
});
process.exit(run.status ?? 1);
