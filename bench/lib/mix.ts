// The request mix of many users at once (bench many-users, loadtest hot/mixed/ramp): a random
// user per request, then a list read, a single-assistant read or a PATCH of one of its assistants.
import type { RequestParams, RequestSpec } from "autocannon";
import { auth } from "./api.ts";

export interface MixUser {
  token: string;
  /** Assistant ids for single reads and writes (a user with none only lists). */
  ids: readonly string[];
}

export interface Mix {
  /** Share of requests that PATCH (0 for read-only load). */
  writeShare: number;
  /** The PATCH body for the n-th write, to `id` of `users[user]`. */
  patchBody?: (user: number, id: string, n: number) => string;
}

const pick = <T>(items: readonly T[]): [T | undefined, number] => {
  const i = Math.floor(Math.random() * items.length);
  return [items[i], i];
};

/**
 * An autocannon request spec for the mix. `context.user` holds the index of the user whose request
 * is in flight on that connection (one at a time: no pipelining), so answers can be attributed.
 */
export function mixedRequests(users: readonly MixUser[], mix: Mix): RequestSpec {
  let writes = 0;
  // autocannon uses what setupRequest returns as the whole request (host and port included).
  const setupRequest = (req: RequestParams, context: Record<string, unknown>): RequestParams => {
    const [user, u] = pick(users);
    if (!user) throw new Error("no users to send requests for");
    context.user = u;
    const [id] = pick(user.ids);
    const headers = auth(user.token);
    const roll = Math.random();
    if (id && mix.patchBody && roll < mix.writeShare) {
      return {
        ...req,
        method: "PATCH",
        path: `/api/assistants/${id}`,
        headers: { ...headers, "Content-Type": "application/json" },
        body: mix.patchBody(u, id, ++writes),
      };
    }
    const list = !id || roll < mix.writeShare + (1 - mix.writeShare) / 2;
    return { ...req, method: "GET", path: list ? "/api/assistants" : `/api/assistants/${id}`, headers, body: undefined };
  };
  return { setupRequest };
}
