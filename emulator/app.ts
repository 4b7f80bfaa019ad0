import { Hono } from "hono";
import { registerDemoOrg } from "./demo.ts";
import { ApiError, nestError } from "./errors.ts";
import type { LatencyRange } from "./faults.ts";
import { adminRoutes } from "./routes/admin.ts";
import { RESOURCES } from "./resources.ts";
import { resourceRoutes } from "./routes/resources.ts";
import { EmulatorState } from "./state.ts";
import { vapiTraffic } from "./traffic.ts";

export type EmulatorOptions = {
  /** Baseline latency for every Vapi-surface answer (a fault's latencyMs replaces it). */
  latency?: LatencyRange;
  /** Register the demo org (private key `dev-vapi-key`) with a handful of assistants. */
  demo?: boolean;
};

/** The emulator's Hono app (Vapi surface + `/__emulator` admin surface) and its state. */
export function createEmulatorApp(options: EmulatorOptions = {}): { app: Hono; state: EmulatorState } {
  const state = new EmulatorState(options.latency);
  if (options.demo) registerDemoOrg(state);
  // Express (under NestJS) ignores a trailing slash, hence strict: false.
  const app = new Hono({ strict: false });
  app.use("*", vapiTraffic(state));
  for (const spec of Object.values(RESOURCES)) app.route(`/${spec.path}`, resourceRoutes(state, spec));
  app.route("/__emulator", adminRoutes(state));
  app.notFound((c) => c.json(nestError(404, `Cannot ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(nestError(error.status, error.messages), error.status);
    console.error(`emulator: ${c.req.method} ${c.req.path} failed`, error);
    return c.json({ statusCode: 500, message: "Internal server error" }, 500);
  });
  return { app, state };
}
