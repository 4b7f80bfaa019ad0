// The request mix of many users at once (bench many-users, loadtest hot/mixed/ramp): a random
// user per request, a resource by weight (a dashboard mostly edits assistants, then the numbers
// that answer with them, their tools and squads), then a list read, a one-item read or a PATCH.
import type { RequestParams, RequestSpec } from "autocannon";
import type { VapiPath } from "../../emulator/vapi-paths.ts";
import { auth } from "./api.ts";

/** The four resources, by the path segment that both the product (/api/<plural>) and the emulator's admin surface use. */
export const MIX_RESOURCES = ["assistants", "phone-numbers", "tools", "squads"] as const;
export type MixResource = (typeof MIX_RESOURCES)[number];

/** Share of requests per resource (sums to 1). */
export const MIX_WEIGHTS: Readonly<Record<MixResource, number>> = {
  assistants: 0.55,
  "phone-numbers": 0.2,
  tools: 0.15,
  squads: 0.1,
};

/** The Vapi path segment of each (the emulator's route counters: `GET /phone-number`). */
export const VAPI_PATH: Readonly<Record<MixResource, VapiPath>> = {
  assistants: "assistant",
  "phone-numbers": "phone-number",
  tools: "tool",
  squads: "squad",
};

export interface MixUser {
  token: string;
  /** Per resource, ids for single reads and writes (a resource with none is only listed). */
  ids: Readonly<Partial<Record<MixResource, readonly string[]>>>;
}

export interface Mix {
  /** Share of requests that PATCH (0 for read-only load). */
  writeShare: number;
  /** The PATCH body for the n-th write, to `id` of `users[user]`; undefined: that request reads instead. */
  patchBody?: (user: number, resource: MixResource, id: string, n: number) => string | undefined;
}

const pick = <T>(items: readonly T[]): [T | undefined, number] => {
  const i = Math.floor(Math.random() * items.length);
  return [items[i], i];
};

function pickResource(): MixResource {
  let roll = Math.random();
  for (const r of MIX_RESOURCES) {
    roll -= MIX_WEIGHTS[r];
    if (roll < 0) return r;
  }
  return "assistants";
}

/**
 * An autocannon request spec for the mix. `context.user` holds the index of the user whose request
 * is in flight on that connection (one at a time: no pipelining), `context.resource` its resource,
 * so answers can be attributed.
 */
export function mixedRequests(users: readonly MixUser[], mix: Mix): RequestSpec {
  let writes = 0;
  // autocannon uses what setupRequest returns as the whole request (host and port included).
  const setupRequest = (req: RequestParams, context: Record<string, unknown>): RequestParams => {
    const [user, u] = pick(users);
    if (!user) throw new Error("no users to send requests for");
    const resource = pickResource();
    context.user = u;
    context.resource = resource;
    const [id] = pick(user.ids[resource] ?? []);
    const headers = auth(user.token);
    const roll = Math.random();
    const body = id && roll < mix.writeShare ? mix.patchBody?.(u, resource, id, writes + 1) : undefined;
    if (id && body !== undefined) {
      writes++;
      return { ...req, method: "PATCH", path: `/api/${resource}/${id}`, headers: { ...headers, "Content-Type": "application/json" }, body };
    }
    const list = !id || roll < mix.writeShare + (1 - mix.writeShare) / 2;
    return { ...req, method: "GET", path: list ? `/api/${resource}` : `/api/${resource}/${id}`, headers, body: undefined };
  };
  return { setupRequest };
}
