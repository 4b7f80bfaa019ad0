import type { Assistant, AssistantOperations } from "./types.ts";

/**
 * A fallback that calls Vapi directly with a private key. Whoever runs it holds that key: run it
 * on your own server, never in a browser (docs/client.md). Vapi's PATCH replaces nested objects
 * whole, unlike the service's merge patch, so send complete nested objects through it.
 */
export function directVapi(opts: { privateKey: string; baseUrl?: string; fetch?: typeof fetch }): AssistantOperations {
  const base = (opts.baseUrl ?? "https://api.vapi.ai").replace(/\/+$/, "");
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${opts.privateKey}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`Vapi answered ${res.status} to ${method} ${path}`);
    return res.status === 204 ? undefined : res.json();
  };
  const one = (id: string) => `/assistant/${encodeURIComponent(id)}`;
  return {
    // One page of up to 1000; an org with more needs createdAtLe paging (docs/architecture.md).
    getAssistants: async () => (await call("GET", "/assistant?limit=1000")) as Assistant[],
    getAssistant: async (id) => (await call("GET", one(id))) as Assistant,
    createAssistant: async (data) => (await call("POST", "/assistant", data)) as Assistant,
    updateAssistant: async (id, patch) => (await call("PATCH", one(id), patch)) as Assistant,
    deleteAssistant: async (id) => {
      await call("DELETE", one(id));
    },
  };
}
