import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { SignJWT } from "jose";
import { z } from "zod";
import type { UserCacheCoordinator } from "../../durable-objects/coordinator";
import { type CoordinatorTestHook, TEST_HOOK, type TestSettings } from "../../durable-objects/test-hook";
import { emulatorAdmin, type FaultsInput } from "../../emulator/client";
import { conforms } from "./openapi-conformance";

export const Assistant = z.looseObject({
  id: z.string(),
  orgId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  name: z.string().optional(),
});
export type Assistant = z.infer<typeof Assistant>;
export const ListBody = z.object({
  assistants: z.array(Assistant),
  etags: z.record(z.string(), z.string()),
  cached: z.boolean(),
  stale: z.boolean().optional(),
});
export const OneBody = z.object({ assistant: Assistant, cached: z.boolean().optional(), stale: z.boolean().optional() });
export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const uid = (prefix = "user") => `${prefix}-${crypto.randomUUID()}`;

/** A dev token for `sub`, signed like `npm run token` signs it. */
export function token(sub: string, expiresIn = "10m") {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(env.JWT_SECRET));
}

/** A request to the Worker under test, through its real fetch handler; the answer must match /openapi.json. */
export async function call(path: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  const req = new Request(`http://cache.test${path}`, { ...init, headers, body });
  return conforms(req, await exports.default.fetch(req.clone()));
}

/** The emulator's admin surface (orgs, counters, faults, edits behind the cache's back). */
export const admin = emulatorAdmin(env.EMULATOR_URL);

/** Upstream requests one Vapi key has made so far. */
export async function upstreamCalls(key: string) {
  return (await admin.requests()).byKey[key] ?? 0;
}

/** The org's assistants as Vapi holds them (not counted as traffic). */
export const vapiAssistants = (key: string) => admin.assistants(key);

export interface TestUser {
  sub: string;
  token: string;
  key: string;
  req: (path: string, init?: RequestInit & { json?: unknown }) => Promise<Response>;
}

/** A fresh user whose own Vapi org (or `key`, to share one) holds `assistants` assistants. */
export async function newUser(opts: { assistants?: number; key?: string } = {}): Promise<TestUser> {
  const sub = uid();
  const key = opts.key ?? `sk-test-${crypto.randomUUID()}`;
  if (!opts.key) await admin.registerOrg({ privateKey: key, assistants: opts.assistants ?? 0 });
  const t = await token(sub);
  const req = (path: string, init: RequestInit & { json?: unknown } = {}) => call(path, { ...init, token: t });
  const put = await req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: key } });
  if (put.status !== 204) throw new Error(`settings: ${put.status} ${await put.text()}`);
  return { sub, token: t, key, req };
}

export async function listBody(res: Response) {
  return ListBody.parse(await res.json());
}

/** Injects emulator faults for one Vapi key only, so concurrent test files are unaffected. */
export async function fault(key: string, faults: Omit<FaultsInput, "keys">) {
  await admin.setFaults({ ...faults, keys: [key] });
  return { clear: () => admin.clearFaults(key) };
}

/** The user's coordinator, for eviction and for running it with a short configured TTL. */
export function stubFor(sub: string) {
  return env.COORDINATOR.getByName(sub);
}

/** Runs `use` inside the user's coordinator with its test hook (durable-objects/test-hook.ts); memory of `resource` (default assistants). */
export function withHook<T>(sub: string, use: (hook: CoordinatorTestHook) => T | Promise<T>, resource?: string): Promise<T> {
  return runInDurableObject(stubFor(sub), (obj: UserCacheCoordinator) => use(obj[TEST_HOOK](resource)));
}

/**
 * Runs this user's coordinator as a deployment with these settings would: single fields
 * (`{ ttlMs: 0 }`) on top of the current config, or `{ vars: { CACHE_TTL_SECONDS: "0.2" } }`
 * read as wrangler [vars] (see CoordinatorTestHook.configure).
 */
export async function configure(user: { sub: string }, settings: TestSettings) {
  await withHook(user.sub, (hook) => void hook.configure(settings));
}

/**
 * Waits until the user's coordinator has written every D1 batch queued so far: refresh results
 * are queued, not awaited, before a read is answered.
 */
export async function d1Settled(sub: string) {
  await withHook(sub, (hook) => hook.d1Drained());
}

/** The user's D1 rows once the coordinator's queued batches have landed. */
export async function d1Rows(sub: string) {
  await d1Settled(sub);
  return d1RowsNow(sub);
}

/** The user's D1 rows as they are this moment (a batch may still be queued). */
export async function d1RowsNow(sub: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, vapi_data, cached_at, updated_at FROM assistants_cache WHERE user_id = ? ORDER BY id",
  )
    .bind(sub)
    .all<{ id: string; vapi_data: string; cached_at: number; updated_at: number }>();
  return results.map((r) => ({ ...r, assistant: Assistant.parse(JSON.parse(r.vapi_data)) }));
}

/** Sorted by id: Vapi's order among assistants created in the same millisecond is unspecified. */
export const byId = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

/** Newest first, as Vapi lists them. */
export const isNewestFirst = (list: { createdAt: string }[]) =>
  list.every((a, i) => i === 0 || list[i - 1]!.createdAt >= a.createdAt);

/** Everything a request could change for `user`: Vapi's assistants and request count, D1 rows. */
export async function snapshot(user: TestUser) {
  const [assistants, calls, rows] = await Promise.all([
    vapiAssistants(user.key),
    upstreamCalls(user.key),
    d1Rows(user.sub),
  ]);
  return { assistants: byId(assistants), calls, rows };
}
