// Cloudflare's published limits the capacity model checks the design against, each with the
// page that states it (as read on 2026-12-07; limits change, so the model prints the source).

export interface Limit {
  value: number;
  /** The value as the source states it. */
  shown: string;
  what: string;
  source: string;
}

export const LIMITS = {
  /** "An individual Object has a soft limit of 1,000 requests per second." */
  doRequestsPerSecond: {
    shown: "1,000",
    value: 1000,
    what: "requests/s per Durable Object (soft limit)",
    source: "https://developers.cloudflare.com/durable-objects/platform/limits/",
  },
  /** Workers limits apply to Durable Objects: 128 MB of memory per isolate. */
  memoryBytes: {
    shown: "128 MB",
    value: 128 * 2 ** 20,
    what: "memory per isolate (a Durable Object is a Worker)",
    source: "https://developers.cloudflare.com/workers/platform/limits/",
  },
  /** Six connections at once per invocation: fetch(), KV, Cache, R2, Queues, connect() (not DO RPC). */
  outgoingConnections: {
    shown: "6",
    value: 6,
    what: "simultaneous outgoing connections per invocation (fetch, KV, Cache, R2, Queues, connect(); not Durable Object RPC, so not the fan-out): a coordinator keeps at most 2 Vapi calls in flight (one write at a time, one read per key, a dashboard's id reads join its list read)",
    source: "https://developers.cloudflare.com/workers/platform/limits/",
  },
  /** "Each individual D1 database is inherently single-threaded … 1 ms → ~1,000 queries/s." */
  d1BusyMsPerSecond: {
    shown: "1,000 ms",
    value: 1000,
    what: "of query time per second in one D1 database (single-threaded: ~1,000 queries/s at 1 ms each)",
    source: "https://developers.cloudflare.com/d1/platform/limits/",
  },
  d1Bytes: {
    shown: "10 GB",
    value: 10 * 10 ** 9,
    what: "per D1 database (Workers Paid; cannot be raised)",
    source: "https://developers.cloudflare.com/d1/platform/limits/",
  },
  /** Hibernatable WebSockets stay connected while the object is out of memory; it hibernates after 10 s idle. */
  hibernateAfterSeconds: {
    shown: "10 s",
    value: 10,
    what: "of inactivity before an object with only hibernatable sockets leaves memory (its next request or alarm starts it again)",
    source: "https://developers.cloudflare.com/durable-objects/concepts/durable-object-lifecycle/",
  },
} as const satisfies Record<string, Limit>;

/** The WebSocket Hibernation API: idle tabs cost no running object; a message or alarm wakes it. */
export const HIBERNATION_SOURCE = "https://developers.cloudflare.com/durable-objects/best-practices/websockets/";
