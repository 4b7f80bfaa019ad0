import { CacheApiError, UnavailableError } from "./errors.ts";
import { errorFrom, send, type Transport, Unreachable } from "./http.ts";
import { subscribe, type SubscribeOptions, type Subscription } from "./subscribe.ts";
import { RESOURCES, resourceClient, type ResourceSpec } from "./resources.ts";
import type {
  Assistant, AssistantOperations, AssistantResult, ChangeEvent, ListResult, PhoneNumber, ResourceChangeEvent, ResourceName, SocketLike, Squad,
  Tool, VapiItem,
} from "./types.ts";

export * from "./errors.ts";
export { directVapi } from "./vapi.ts";
export { CLOSE_TOO_MANY_SOCKETS } from "./subscribe.ts";
export type { ResourceClient } from "./resources.ts";
export type { EventSourceLike, SubscribeEnvironment, SubscribeOptions, Subscription, SubscriptionState } from "./subscribe.ts";
export type * from "./types.ts";

export interface CacheClientOptions {
  /** Where the service runs, e.g. `https://cache.example.com` (no trailing slash needed). */
  baseUrl: string;
  /** The user's JWT, or a function that returns a current one (called per request and per reconnect). */
  token: string | (() => string | Promise<string>);
  fetch?: typeof fetch;
  /** Opens a WebSocket; the default is the global `WebSocket`. */
  webSocket?: (url: string, protocols: string[]) => SocketLike | Promise<SocketLike>;
  /** Used only when the service cannot be reached or answers 5xx. See docs/client.md for what it costs. */
  fallback?: AssistantOperations;
  /**
   * This instance's id (1–64 of A-Z a-z 0-9 _ -), sent as `X-Client-Id` with every write and echoed
   * in the change events those writes cause (`own: true`). Default: random per instance.
   */
  clientId?: string;
  /**
   * Retries (default 2) of a read answered 429/503, and of a write answered 429/5xx or lost to a
   * network failure (with its Idempotency-Key, so it is applied once); each waits Retry-After or
   * a jittered backoff, at most `maxRetryDelayMs` (default 5000).
   */
  retries?: number;
  maxRetryDelayMs?: number;
}

export interface ReadOptions {
  /**
   * Ask the service to revalidate with Vapi now instead of answering from its cache: sent
   * without If-None-Match and with `Cache-Control: no-cache` (limited per user by the service).
   */
  revalidate?: boolean;
}

export interface WriteOptions {
  /** The `etag` of the version being edited: a newer version makes the write fail with ConflictError. */
  expected?: string;
  /**
   * The write's Idempotency-Key (1–255 printable ASCII); default: a new random one per call.
   * Pass your own to retry the same write later (after this call gave up) without applying it twice.
   */
  idempotencyKey?: string;
}

interface Copy {
  etag: string;
  body: unknown;
}

/** The typed client of vapi-edge-cache: the seed's `d1Client`, with validators, live updates and a fallback. */
export function createCacheClient(opts: CacheClientOptions) {
  const { token } = opts;
  const t: Transport = {
    baseUrl: opts.baseUrl.replace(/\/+$/, ""),
    token: typeof token === "string" ? () => token : token,
    fetch: opts.fetch ?? ((input, init) => fetch(input, init)),
    retries: opts.retries ?? 2,
    maxRetryDelayMs: opts.maxRetryDelayMs ?? 5000,
  };
  const clientId = opts.clientId ?? randomId();
  // The service refuses any other X-Client-Id with 400: say so here, not at the first write.
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(clientId)) throw new TypeError("clientId must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -");
  // The last answer per path, for conditional GETs: a 304 reuses it instead of a body.
  const copies = new Map<string, Copy>();
  // Versions this client has read or written, by validator: what a ConflictError shows as `base`.
  const versions = new Map<string, Assistant>();
  // The last list's versions, by validator, replaced per list answer: a list may exceed MAX_VERSIONS.
  let listed = new Map<string, Assistant>();
  const remember = (etag: string | undefined, a: Assistant) => {
    if (!etag) return;
    versions.set(etag, a);
    if (versions.size > MAX_VERSIONS) versions.delete(versions.keys().next().value!);
  };

  async function viaCache<T>(work: () => Promise<T>, fallback?: (f: AssistantOperations) => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      // A create whose outcome is unknown is an answer: sending it to Vapi directly could make a second.
      const unknown = err instanceof CacheApiError && err.code === "vapi_create_unknown";
      const down = err instanceof Unreachable || (err instanceof CacheApiError && err.status >= 500 && !unknown);
      if (!down) throw err;
      if (opts.fallback && fallback) return fallback(opts.fallback);
      if (err instanceof Unreachable) throw new UnavailableError(0, "unreachable", `The cache service cannot be reached: ${err.message}`, undefined);
      throw err;
    }
  }

  async function read<T>(path: string, r: ReadOptions): Promise<{ body: T; etag?: string; notModified: boolean }> {
    // The service answers a read that carries If-None-Match from its cache even with the
    // `no-cache` every `fetch` adds to it; only no-cache without If-None-Match revalidates.
    // `no-store` keeps a browser's HTTP cache from adding its own If-None-Match to that one.
    const copy = r.revalidate ? undefined : copies.get(path);
    const res = r.revalidate
      ? await send(t, "GET", path, { retry: "read", headers: { "Cache-Control": "no-cache" }, cache: "no-store" })
      : await send(t, "GET", path, { retry: "read", headers: copy ? { "If-None-Match": copy.etag } : {} });
    if (res.status === 304 && copy) return { body: copy.body as T, etag: copy.etag, notModified: true };
    if (!res.ok) throw await errorFrom(res);
    const body = (await res.json()) as T;
    const etag = res.headers.get("ETag") ?? undefined;
    if (etag) copies.set(path, { etag, body });
    return { body, etag, notModified: false };
  }

  async function write(method: string, id: string | undefined, body: unknown, w: WriteOptions = {}): Promise<AssistantResult | undefined> {
    const done = await writeItem<Assistant>("/api/assistants", "assistant", method, id, body, w);
    return done && { assistant: done.item, cached: false, etag: done.etag, source: "cache" };
  }

  /** A write to `base` (`/api/tools`) or one of its items; the answer's item (under `name`), none for a delete. */
  async function writeItem<T extends Assistant>(
    base: string, name: string, method: string, id: string | undefined, body: unknown, w: WriteOptions = {},
  ): Promise<{ item: T; etag?: string } | undefined> {
    const path = id === undefined ? base : `${base}/${encodeURIComponent(id)}`;
    const headers: Record<string, string> = {
      "X-Client-Id": clientId,
      // Every attempt of this call carries the same key: the service applies the write once.
      "Idempotency-Key": w.idempotencyKey ?? randomId(),
      ...(w.expected ? { "If-Match": w.expected } : {}),
    };
    // guard: idem-sdk-never-retries-writes
    const res = await send(t, method, path, { body, headers, retry: "idempotent" });
    if (!res.ok) throw await errorFrom(res, w.expected ? (versions.get(w.expected) ?? listed.get(w.expected)) : undefined, name);
    const etag = res.headers.get("ETag") ?? undefined;
    if (method === "DELETE") {
      copies.delete(path);
      return undefined;
    }
    const item = ((await res.json()) as Record<string, T>)[name]!;
    if (etag) copies.set(`${base}/${encodeURIComponent(item.id)}`, { etag, body: { [name]: item, cached: false } });
    remember(etag, item);
    return { item, etag };
  }

  /** The typed client of one more resource (no direct-Vapi fallback: that is assistants' only). */
  const resource = <T extends VapiItem>(spec: ResourceSpec) =>
    resourceClient<T>(spec, {
      read: (path, ro) => viaCache(() => read(path, ro)),
      write: (method, id, body, w) => viaCache(() => writeItem<T>(spec.path, spec.name, method, id, body, w)),
      remember,
    });

  return {
    /** Sent as `X-Client-Id` with this instance's writes: their events carry it and arrive with `own: true`. */
    clientId,
    /** The complete list; `{ revalidate: true }` makes the service ask Vapi now. */
    async getAssistants(ro: ReadOptions = {}): Promise<ListResult> {
      return viaCache<ListResult>(
        async () => {
          const r = await read<{ assistants: Assistant[]; etags?: Record<string, string>; cached: boolean }>("/api/assistants", ro);
          const etags = r.body.etags ?? {};
          listed = new Map();
          for (const a of r.body.assistants) if (etags[a.id]) listed.set(etags[a.id]!, a);
          return { assistants: r.body.assistants, etags, cached: r.notModified || r.body.cached, etag: r.etag, source: "cache" };
        },
        async (f) => ({ assistants: await f.getAssistants(), etags: {}, cached: false, source: "fallback" }),
      );
    },
    /** One assistant; `{ revalidate: true }` makes the service ask Vapi now. */
    async getAssistant(id: string, ro: ReadOptions = {}): Promise<AssistantResult> {
      return viaCache<AssistantResult>(
        async () => {
          const r = await read<{ assistant: Assistant; cached: boolean }>(one(id), ro);
          remember(r.etag, r.body.assistant);
          return { assistant: r.body.assistant, cached: r.notModified || r.body.cached, etag: r.etag, source: "cache" };
        },
        async (f) => ({ assistant: await f.getAssistant(id), cached: false, source: "fallback" }),
      );
    },
    /** Creates once: retried with one Idempotency-Key (`w.idempotencyKey`, else a random one). */
    async createAssistant(data: Record<string, unknown>, w: Pick<WriteOptions, "idempotencyKey"> = {}): Promise<AssistantResult> {
      return viaCache<AssistantResult>(
        async () => (await write("POST", undefined, data, w))!,
        async (f) => ({ assistant: await f.createAssistant(data), cached: false, source: "fallback" }),
      );
    },
    /** Applies a JSON merge patch; with `expected`, only if the assistant is still that version. */
    async updateAssistant(id: string, patch: Record<string, unknown>, w: WriteOptions = {}): Promise<AssistantResult> {
      return viaCache<AssistantResult>(
        async () => (await write("PATCH", id, patch, w))!,
        async (f) => ({ assistant: await f.updateAssistant(id, patch), cached: false, source: "fallback" }),
      );
    },
    async deleteAssistant(id: string, w: WriteOptions = {}): Promise<void> {
      await viaCache<unknown>(
        () => write("DELETE", id, undefined, w),
        (f) => f.deleteAssistant(id),
      );
    },
    /** Phone numbers, tools and squads: `list`, `get`, `create`, `update` (a merge patch), `delete`, as for assistants. */
    phoneNumbers: resource<PhoneNumber>(RESOURCES.phoneNumber),
    tools: resource<Tool>(RESOURCES.tool),
    squads: resource<Squad>(RESOURCES.squad),
    /** Every change of the user's assistants, pushed by the service to each open tab. */
    subscribe(onEvent: (e: ChangeEvent) => void, so: SubscribeOptions = {}): Subscription {
      return live(["assistant"], onEvent as (e: ResourceChangeEvent) => void, so);
    },
    /** Every change of the named resources (or `"all"`), each with its `resource` and `item`. */
    subscribeTo(resources: readonly ResourceName[] | "all", onEvent: (e: ResourceChangeEvent) => void, so: SubscribeOptions = {}): Subscription {
      return live(resources, onEvent, so);
    },
  };

  /** The events socket, delivering the changes of `resources`. */
  function live(resources: readonly ResourceName[] | "all", onEvent: (e: ResourceChangeEvent) => void, so: SubscribeOptions): Subscription {
    const webSocket = opts.webSocket ?? ((url: string, protocols: string[]) => new WebSocket(url, protocols));
    // Settings cost no Vapi call: a cheap way to learn whether the service refuses the token.
    const probe = async (token: string) => {
      try {
        const res = await t.fetch(`${t.baseUrl}/api/settings`, { headers: { Authorization: `Bearer ${token}` } });
        await res.body?.cancel();
        return res.status;
      } catch {
        return 0;
      }
    };
    return subscribe({ baseUrl: t.baseUrl, token: t.token, webSocket, probe, clientId, resources }, onEvent, so);
  }
}

export type CacheClient = ReturnType<typeof createCacheClient>;

const MAX_VERSIONS = 200;

/** 128 random bits in hex: `crypto.randomUUID` needs a secure context, `getRandomValues` does not. */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
const one = (id: string) => `/api/assistants/${encodeURIComponent(id)}`;
