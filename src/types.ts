import type { TimingVariables } from "hono/timing";

/** Hono environment of every route: Worker bindings plus what middleware sets. */
export interface AppEnv {
  Bindings: Env;
  /** `rpcStarted`: when the coordinator was called (performance.now()), for Server-Timing's `rpc`. */
  Variables: TimingVariables & { userId: string; rpcStarted?: number };
}
