// The coordinator's RPC contract: what the Worker sends and gets back. Plain data only, so it
// crosses the Durable Object boundary as is; the Worker imports these types and nothing else of
// the object but its class (src/index.ts).
import type { ApiFailure } from "./errors";
import type { Timing } from "./timing";

/** A successful answer: the JSON body is serialized by the coordinator, once, so the Worker only forwards it. */
export interface CacheAnswer {
  status: 200 | 201 | 304 | 412;
  body: string;
  /** The validator of the item or list answered (a 412 carries the current one). */
  etag?: string;
  cacheStatus: string;
  timing: Timing;
  /** The stored answer of an earlier request with the same Idempotency-Key (nothing was sent to Vapi). */
  replayed?: boolean;
  /** A write that went on without its team (issue 20): per-user guarantees only; teammates converge at their next refresh. */
  team?: "unavailable";
}

export type CoordinatorResult = { ok: true; answer: CacheAnswer } | { ok: false; error: ApiFailure };

export interface ReadOptions {
  /** The client sent `Cache-Control: no-cache`: revalidate with Vapi (still single-flight). */
  noCache?: boolean;
  /** `If-None-Match`: answer 304 without a body when it names the current version. */
  ifNoneMatch?: string;
}

export interface WriteOptions {
  /** `If-Match`: refuse the write (412) unless it names the current version. */
  ifMatch?: string;
  /** `X-Client-Id` (validated by the route): echoed in the change event this write publishes. */
  clientId?: string;
  /** `Idempotency-Key` (validated by the route): the same key and request answer once (idempotency.ts). */
  idempotencyKey?: string;
}
