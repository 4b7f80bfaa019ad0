import type { TimingVariables } from "hono/timing";

/** Hono environment of every route: Worker bindings plus what middleware sets. */
export interface AppEnv {
  Bindings: Env;
  Variables: TimingVariables & { userId: string };
}
