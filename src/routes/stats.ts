import { createRoute, z } from "@hono/zod-openapi";
import { coordinator } from "../lib/rpc";
import { errors, json } from "../lib/openapi";
import { router } from "../lib/router";

const Percentiles = z.object({
  samples: z.number(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});

const UNCHANGED = "List refreshes that found Vapi's list byte-identical to the last one applied, and confirmed it without parsing it";

/** One resource's share of the counters and of the hot layer (the totals above sum them). */
const ResourceStats = z
  .object({
    hits: z.number(),
    misses: z.number(),
    staleServed: z.number(),
    coalesced: z.number(),
    errors: z.number(),
    writes: z.number(),
    listsUnchanged: z.number().openapi({ description: UNCHANGED }),
    hotLayer: z.object({
      entries: z.number(),
      resident: z.number(),
      bytes: z.number(),
      jsonBytes: z.number(),
      listBytes: z.number(),
      evictions: z.number(),
    }),
  })
  .openapi("ResourceStats", { description: "One resource's counters and hot-layer memory (the same fields as the totals)" });

const Stats = z
  .object({
    since: z.string().openapi({ description: "When these counters started (the coordinator's start)" }),
    hits: z.number(),
    misses: z.number(),
    staleServed: z.number(),
    coalesced: z.number().openapi({ description: "Reads that joined an upstream read already in flight" }),
    upstreamCalls: z.number(),
    upstreamErrors: z.number(),
    retries: z.number().openapi({ description: "Extra attempts of upstream reads after a 429, 5xx or timeout" }),
    circuit: z.object({
      state: z.enum(["closed", "open", "half-open"]),
      consecutiveFailures: z.number(),
      opens: z.number().openapi({ description: "How often the circuit has opened since `since`" }),
      openUntil: z.string().nullable().openapi({ description: "While open: when one probe will be let through" }),
    }),
    errors: z.number(),
    writes: z.number(),
    listsUnchanged: z.number().openapi({ description: UNCHANGED }),
    team: z
      .object({
        coordinated: z.number().openapi({ description: "Writes that ran in their team's turn and reached every teammate's cache before their answer" }),
        unavailable: z.number().openapi({ description: "Writes that went on without the team (slow or unreachable; answered with `Team-Coordination: unavailable`)" }),
        applied: z.number().openapi({ description: "Teammates' changes applied to this user's cache" }),
      })
      .openapi({ description: "Team coordination (users whose keys reach the same Vapi org); all 0 for a user alone in their org or with teams off" }),
    hotLayer: z
      .object({
        entries: z.number().openapi({ description: "Assistants held (with or without their payload in memory)" }),
        resident: z.number().openapi({ description: "Of which with their payload (JSON and parsed object) in memory; the rest are read back from D1" }),
        bytes: z.number().openapi({ description: "`jsonBytes + listBytes`: the strings counted (V8 storage: 1 byte per character of Latin-1 text, 2 otherwise; not UTF-8)" }),
        jsonBytes: z.number().openapi({ description: "Each assistant's serialized JSON" }),
        listBytes: z.number().openapi({ description: "The cached list answer's strings (its JSON array and its `etags` object), while built (0 when not)" }),
        budgetBytes: z.number().openapi({ description: "`CACHE_MAX_BYTES`: past it, least recently used payloads are dropped from memory" }),
        evictions: z.number().openapi({ description: "Payloads dropped under the budget since `since`" }),
        uncounted: z.string().openapi({ description: "What `bytes` leaves out: the parsed objects" }),
      })
      .openapi({ description: "Memory of the hot layer; the parsed item objects are extra" }),
    upstreamLatencyMs: Percentiles,
    resources: z.record(z.string(), ResourceStats).openapi({
      description: "Per resource, by its name (`assistant`): the read and write counters and the hot layer's memory; the budget is one for all",
    }),
  })
  .openapi("CacheStats");

const read = createRoute({
  operationId: "getCacheStats",
  method: "get",
  path: "/stats",
  tags: ["cache"],
  summary: "The calling user's cache counters",
  responses: {
    200: json(Stats, "Counters"),
    ...errors([401]),
  },
});

export const cache = router().openapi(read, async (c) =>
  c.json(await coordinator(c).getStats(c.var.userId), 200),
);
