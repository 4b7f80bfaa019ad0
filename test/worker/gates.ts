import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { withHook } from "./helpers";

// Deterministic stand-ins for a slow round trip: the test decides when a held answer arrives.

/**
 * A one-shot gate: the work marks that it reached it and waits for the test to open it. Both
 * sides poll a flag on their own timers: a promise resolved from another request context
 * would carry that context's I/O into the coordinator's answer (workerd refuses that).
 */
export function gate() {
  const state = { reached: false, open: false };
  return {
    entered: () => until(() => state.reached, "the gate"),
    release: () => void (state.open = true),
    wait: async () => {
      state.reached = true;
      await until(() => state.open, "the gate's release", 30_000);
    },
  };
}

/** Holds the next D1 batch of the user's coordinator (queued after it, batches wait too). */
export async function holdNextD1Batch(sub: string) {
  const g = gate();
  await withHook(sub, (hook) =>
    hook.interceptD1Batches((real) => {
      let held = false;
      return {
        async batch<T>(statements: D1PreparedStatement[]) {
          if (!held) {
            held = true;
            await g.wait();
          }
          return real.batch<T>(statements);
        },
      };
    }),
  );
  return { entered: g.entered, release: g.release };
}

/**
 * Holds the user's next read of their Vapi key from D1 on its own (`clientFor` after a restart): a
 * D1 wrapper on the coordinator's env, so something other than Vapi hangs. A restart reads the key
 * in its start's one batch; that batch fails here (the start is then served from Vapi, as after any
 * D1 read failure), so the key is read by itself, and that read is held.
 */
export async function holdNextKeyRead(sub: string) {
  const g = gate();
  await withHook(sub, (hook) => {
    const restore = hook.interceptEnv((real) => {
      const keyStatements = new WeakSet<D1PreparedStatement>();
      const held = (stmt: D1PreparedStatement): D1PreparedStatement => {
        const proxy: D1PreparedStatement = new Proxy(stmt, {
          get: (t, p) =>
            p === "bind"
              ? (...args: unknown[]) => held(t.bind(...args))
              : p === "first"
                ? async (...args: []) => {
                    restore();
                    await g.wait();
                    return t.first(...args);
                  }
                : Reflect.get(t, p).bind(t),
        });
        keyStatements.add(proxy);
        return proxy;
      };
      const db = new Proxy(real.DB, {
        get: (t, p) =>
          p === "prepare"
            ? (sql: string) => (/FROM user_settings/.test(sql) ? held(t.prepare(sql)) : t.prepare(sql))
            : p === "batch"
              ? async (statements: D1PreparedStatement[]) => {
                  if (statements.some((st) => keyStatements.has(st))) throw new Error("D1 unavailable for the start (test)");
                  return t.batch(statements);
                }
              : Reflect.get(t, p).bind(t),
      });
      return new Proxy(real, { get: (t, p) => (p === "DB" ? db : Reflect.get(t, p)) });
    });
  });
  return { entered: g.entered, release: g.release };
}

/**
 * Holds the user's next request to Vapi of `method` before it is sent (the next client the
 * coordinator makes; later clients, another request's, are not held).
 */
export async function holdNextVapiRequest(sub: string, method: "get" | "listAll") {
  const g = gate();
  await withHook(sub, (hook) =>
    hook.interceptNextClient((client) => {
      const call = (method === "get" ? client.get : client.listAll).bind(client) as (...args: unknown[]) => Promise<never>;
      const held = async (...args: unknown[]) => {
        await g.wait();
        return call(...args);
      };
      if (method === "get") client.get = held;
      else client.listAll = held;
      return client;
    }),
  );
  return { sent: g.entered, release: g.release };
}

/**
 * Loses the user's next D1 batch as an eviction before it ran would (it never reaches D1, and no
 * failure is recorded). A batch held by a gate cannot stand in: eviction waits for it.
 */
export async function loseNextD1Batch(sub: string) {
  const state = { lost: false };
  await withHook(sub, (hook) =>
    hook.interceptD1Batches((real) => ({
      async batch<T>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
        if (state.lost) return real.batch<T>(statements);
        state.lost = true;
        return [];
      },
    })),
  );
  return { lost: () => until(() => state.lost, "the lost D1 batch") };
}

/**
 * Holds Vapi's answer to the user's next `listAll` (a list refresh), `get` or `update` (a PATCH) after
 * Vapi has answered: the read or write is done upstream, its answer is "slow on the way back".
 */
export async function holdNextVapiAnswer(sub: string, method: "listAll" | "get" | "update") {
  const g = gate();
  const held = <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const answer = await call(...args);
      await g.wait();
      return answer;
    };
  await withHook(sub, (hook) =>
    hook.interceptNextClient((client) => {
      if (method === "update") client.update = held(client.update.bind(client));
      else if (method === "get") client.get = held(client.get.bind(client));
      else client.listAll = held(client.listAll.bind(client));
      return client;
    }),
  );
  return { answered: g.entered, release: g.release };
}

/**
 * Polls `probe` until it gives a value (anything but `false` or `undefined`) and returns it, for at
 * most `timeoutMs`; fails naming `what` it waited for. For states only visible from outside
 * (Vapi's counters, an SDK's state) or through the coordinator's test hook.
 */
export function until<T>(
  probe: () => Promise<T | false | undefined> | T | false | undefined,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe();
      if (value === undefined || value === false) throw new Error(`until: ${what} not reached within ${timeoutMs} ms`);
      return value;
    },
    { timeout: timeoutMs, interval: 10 },
  );
}

/** A real D1 failure scoped to one user: triggers that abort their cache writes. Returns the fix. */
export async function breakD1For(sub: string) {
  const name = `fail_${sub.replace(/\W/g, "_")}`;
  const when = `ON assistants_cache WHEN NEW.user_id = '${sub}' BEGIN SELECT RAISE(ABORT, 'injected'); END`;
  await env.DB.batch([
    env.DB.prepare(`CREATE TRIGGER ${name}_i BEFORE INSERT ${when}`),
    env.DB.prepare(`CREATE TRIGGER ${name}_u BEFORE UPDATE ${when}`),
  ]);
  return () => env.DB.batch([env.DB.prepare(`DROP TRIGGER ${name}_i`), env.DB.prepare(`DROP TRIGGER ${name}_u`)]);
}

/** Records the statement count of every D1 batch the user's coordinator sends from now on. */
export async function countD1Statements(sub: string) {
  const batches: number[] = [];
  await withHook(sub, (hook) =>
    hook.interceptD1Batches((real) => ({
      batch<T>(statements: D1PreparedStatement[]) {
        batches.push(statements.length);
        return real.batch<T>(statements);
      },
    })),
  );
  return batches;
}
