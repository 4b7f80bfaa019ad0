// Bindings that exist only under vitest (see vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    EMULATOR_URL: string;
    JWKS_URL: string;
    FUZZ_RUNS: string;
    FUZZ_SEED: string;
    HISTORY_SEED: string;
    HISTORY_OPS_PER_CLIENT: string;
  }
}
