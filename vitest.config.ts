import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { buildAssets } from "./scripts/build-assets.mjs";

// Three projects: `worker` runs the Worker and its Durable Object inside workerd against real
// local D1 and a real emulator process; `node` tests the emulator and the Node-side scripts;
// `e2e` runs the client SDK in Node and in headless Chromium against npm start's stack
// (`wrangler dev`, started once by its own global setup).
// The Worker's secrets under test (wrangler reads required secrets from process.env).
process.env.JWT_SECRET ??= "test-jwt-secret-that-is-long-enough-for-hs256";
process.env.ENCRYPTION_KEY ??= "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

export default defineConfig(async () => {
  // The Worker's static assets (the page, Swagger UI's files): wrangler builds them before
  // `wrangler dev`/`deploy`, the worker pool does not.
  await buildAssets();
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      globalSetup: ["./test/global-setup.ts"],
      // The Worker's one-line request logs are asserted on where they matter; elsewhere they are noise.
      onConsoleLog: (log: string) => !log.startsWith('{"msg":"request"'),
      projects: [
        {
          test: {
            name: "node",
            include: ["test/node/**/*.test.ts"],
            environment: "node",
          },
        },
        {
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.test.ts"],
            environment: "node",
            globalSetup: ["./test/e2e/global-setup.ts"],
            // Starting wrangler dev and its first requests take seconds on 2 shared cores.
            hookTimeout: 120_000,
            testTimeout: 30_000,
          },
        },
        {
          plugins: [
            cloudflareTest(async ({ inject }) => ({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  VAPI_BASE_URL: `http://127.0.0.1:${inject("emulatorPort")}`,
                  EMULATOR_URL: `http://127.0.0.1:${inject("emulatorPort")}`,
                  JWKS_URL: inject("jwksUrl"),
                  VAPI_LIST_PAGE_SIZE: "100",
                  // Deterministic logs: hits are never sampled unless a test asks for it.
                  LOG_HIT_SAMPLE_RATE: "0",
                  CACHE_TTL_SECONDS: "300",
                  VAPI_TIMEOUT_MS: "2000",
                  // Off for the suite, which writes a lot per user; rate-limits.test.ts and sockets.test.ts set their own.
                  RATE_LIMIT_WRITES_PER_MINUTE: "0",
                  RATE_LIMIT_REVALIDATIONS_PER_MINUTE: "0",
                  RATE_LIMIT_SOCKET_OPENS_PER_MINUTE: "0",
                  // `npm run fuzz` sets these; `npm test` runs the fuzz suite briefly with a fixed seed.
                  FUZZ_RUNS: process.env.FUZZ_RUNS ?? (process.env.npm_lifecycle_event === "fuzz" ? "500" : ""),
                  FUZZ_SEED: process.env.FUZZ_SEED ?? "",
                  // Lean under 2 shared cores: tests that need more retry time or jitter set it per coordinator.
                  VAPI_RETRY_BUDGET_MS: "300",
                  CACHE_TTL_JITTER: "0",
                  TEST_MIGRATIONS: migrations,
                  // `npm run soak` sets these for a longer consistency history.
                  HISTORY_SEED: process.env.HISTORY_SEED ?? "",
                  HISTORY_OPS_PER_CLIENT: process.env.HISTORY_OPS_PER_CLIENT ?? "",
                },
              },
            })),
          ],
          test: {
            name: "worker",
            include: ["test/worker/**/*.test.ts"],
            setupFiles: ["./test/worker/apply-migrations.ts"],
          },
        },
      ],
    },
  };
});
