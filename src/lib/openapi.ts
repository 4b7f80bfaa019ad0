import { z } from "@hono/zod-openapi";
import type { OpenAPIObjectConfigure } from "@hono/zod-openapi";
import type { AppEnv } from "../types";
import { type Resource, VapiItemShape as AssistantShape } from "../../core/resource";

// `identifier` (an SPDX expression) is OpenAPI 3.1; the generator's config type is 3.0's.
/** A Vapi assistant in the document: four server fields are always present; the rest is Vapi's. */
export const AssistantSchema = z.looseObject(AssistantShape).openapi("Assistant");

const license = { name: "Proprietary", identifier: "LicenseRef-Proprietary" };

/** The document's top level; paths and components come from the routes' zod schemas. */
export const document: OpenAPIObjectConfigure<AppEnv, "/openapi.json"> = {
  openapi: "3.1.0",
  info: {
    title: "vapi-edge-cache",
    version: "0.1.0",
    description:
      "A per-user cache in front of the Vapi API (assistants, phone numbers, tools, squads). Every /api route needs a Bearer JWT whose `sub` is the user.",
    license,
  },
  servers: [{ url: "/", description: "This deployment" }],
  security: [{ bearer: [] }],
  tags: [
    { name: "assistants", description: "The user's Vapi assistants, served cache-first and written through to Vapi" },
    { name: "phoneNumbers", description: "The user's Vapi phone numbers, cached like assistants; Twilio credentials are never cached or answered" },
    { name: "tools", description: "The user's Vapi tools, cached like assistants" },
    { name: "squads", description: "The user's Vapi squads, cached like assistants" },
    { name: "events", description: "Live updates: every change of the user's cached resources, pushed to each of their tabs" },
    { name: "settings", description: "The user's Vapi private key (stored encrypted, never returned)" },
    { name: "cache", description: "The calling user's cache counters" },
    { name: "health", description: "Liveness, without auth" },
  ],
};

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: "snake_case, stable: branch on this" }),
      message: z.string().openapi({ description: "A human sentence" }),
    }),
  })
  .openapi("Error", {
    example: { error: { code: "assistant_not_found", message: "No assistant with that id exists for this user." } },
  });

const header = (description: string, required: boolean) => ({ description, required, schema: { type: "string" as const } });

const cacheStatus = (required: boolean) =>
  header(
    "How the cache served this answer (RFC 9211), e.g. `vapi-edge-cache; hit; ttl=212`, `vapi-edge-cache; fwd=miss; stored`, `vapi-edge-cache; fwd=stale; fwd-status=503; detail=stale-if-error`",
    required,
  );

type Headers = Record<string, ReturnType<typeof header>>;

/** Headers of every assistants answer that came through the cache. */
export const cacheHeaders: Headers = {
  "Cache-Status": cacheStatus(true),
  "Server-Timing": header(
    "Where the time went, in ms: the coordinator's `cache`, `d1`, `vapi`, `hydrate`, `key`, `apply`, `serialize`, `team`, then the Worker's `auth`, `rpc` and `total` (docs/api.md)",
    true,
  ),
  "Cache-Control": header("`private, no-cache`: per user, and revalidated (If-None-Match) before any reuse", true),
};

/** Headers of an answer that names a version: `cacheHeaders` plus its validator. */
export const validatedHeaders: Headers = {
  ...cacheHeaders,
  ETag: header(
    "Strong validator of this version (or, for a list, of the exact set and versions); send it back as If-None-Match or If-Match",
    true,
  ),
};

/** On a write's answer: it is the stored answer of an earlier request with the same Idempotency-Key. */
export const replayedHeader: Headers = {
  "Idempotent-Replayed": header(
    "`true` when this is the stored answer of an earlier request with the same Idempotency-Key (nothing was sent to Vapi); absent otherwise",
    false,
  ),
};

/** On a write's answer: it went on without the user's team (issue 20). */
export const teamHeader: Headers = {
  "Team-Coordination": header(
    "`unavailable` when the write went on without its team (users whose keys reach the same Vapi org): it has the per-user guarantees, and teammates' caches catch up at their next refresh (docs/api.md, \"Teams\"); absent otherwise",
    false,
  ),
};

/** The 304 answer to an If-None-Match that names the current version: no body. */
export const notModified = {
  description: "Not modified: the If-None-Match named the current version; reuse the copy you hold",
  headers: validatedHeaders,
};

export const ConflictSchema = ErrorSchema.extend({
  assistant: AssistantSchema.openapi({ description: "The current version, whose ETag is in the ETag header" }),
}).openapi("PreconditionFailed", {
  description: "`precondition_failed`: the If-Match did not name the current version; nothing was sent to Vapi",
  example: {
    error: { code: "precondition_failed", message: "The assistant changed since the version named in If-Match." },
    assistant: {
      id: "92aa0cdc-9742-47f4-8d2b-3d1b4a5c6e7f",
      orgId: "3f1c2b7e-5d4a-4c1b-9e8f-7a6b5c4d3e2f",
      createdAt: "2026-01-05T09:30:00.000Z",
      updatedAt: "2026-01-06T14:02:11.000Z",
      name: "What the other tab saved",
    },
  },
});

/** The 412 answer to an If-Match that does not name the current version. */
export const preconditionFailed = {
  description: "The assistant changed since the version in If-Match (`precondition_failed`); the body holds the current one",
  headers: { ...validatedHeaders, ...replayedHeader },
  content: { "application/json": { schema: ConflictSchema } },
};

/** The 412 answer of another resource: its current item under its name (`{"error", "<name>"}`), as `<Name>PreconditionFailed`. */
export function preconditionFailedOf({ name, label }: Pick<Resource, "name" | "label">, Name: string, schema: z.ZodType) {
  const body = ErrorSchema.extend({ [name]: schema }).openapi(`${Name}PreconditionFailed`, {
    description: "`precondition_failed`: the If-Match did not name the current version; nothing was sent to Vapi",
    example: {
      error: { code: "precondition_failed", message: `The ${label} changed since the version named in If-Match.` },
      [name]: {
        // One id per resource: the conformance checker's schema compiler reads `id`s in examples as schema URIs.
        id: `5b7e1c2d-3f4a-4b5c-8d6e-${[...name].map((c) => c.charCodeAt(0).toString(16)).join("").padEnd(12, "0").slice(0, 12)}`,
        orgId: "3f1c2b7e-5d4a-4c1b-9e8f-7a6b5c4d3e2f",
        createdAt: "2026-01-05T09:30:00.000Z",
        updatedAt: "2026-01-06T14:02:11.000Z",
      },
    },
  });
  return {
    description: `The ${label} changed since the version in If-Match (\`precondition_failed\`); the body holds the current one`,
    headers: preconditionFailed.headers,
    content: { "application/json": { schema: body } },
  };
}

// RFC 9110 §13.1: `*`, or a comma-separated list of entity-tags (`"…"` or `W/"…"`, §8.8.3), empty
// list elements tolerated (§5.6.1). An empty tag (`""`) is refused too: no tag this service issues
// is empty, so it can only be a client's missing value, as is an empty header. Never "no precondition".
// guard: an-empty-entity-tag-is-a-precondition
const TAG = String.raw`(?:W/)?"[\x21\x23-\x7e\x80-\xff]+"`;
const ENTITY_TAGS = new RegExp(String.raw`^(?:[ \t]*\*[ \t]*|[ \t,]*${TAG}(?:[ \t]*,[ \t,]*${TAG})*[ \t,]*)$`);
const entityTags = (description: string) =>
  z
    .string()
    .regex(ENTITY_TAGS, "must be * or a comma-separated list of entity-tags (\"…\" or W/\"…\")")
    .optional()
    .openapi({ description, example: '"mk3x9a-1v8c2f"' });
// A precondition this method does not evaluate is refused rather than ignored: the client would
// otherwise believe it was checked. The pattern matches nothing, so the document says so too.
const notEvaluated = (header: string, instead: string) =>
  z
    .string()
    // guard: a-precondition-the-method-does-not-evaluate-is-ignored
    .regex(/(?!)/, `${header} is not evaluated on this method; use ${instead}`)
    .optional()
    .openapi({ description: `Not evaluated on this method: any value is refused (400 \`invalid_precondition\`); use ${instead}` });

/** The precondition headers of reads: If-None-Match is evaluated, If-Match refused. */
export const ReadPreconditions = z.object({
  // guard: if-none-match-not-validated
  "if-none-match": entityTags("ETags you hold: 304 without a body if one is still current (weak comparison)"),
  "if-match": notEvaluated("If-Match", "If-None-Match"),
});
/** The precondition headers of writes: If-Match is evaluated, If-None-Match refused. */
export const WritePreconditions = z.object({
  // guard: if-match-not-validated
  "if-match": entityTags("The ETag you edited: 412 (and no write) if it is no longer current (strong comparison)"),
  "if-none-match": notEvaluated("If-None-Match", "If-Match"),
});

/** Header names whose validation failures are `invalid_precondition` (the router's hook). */
export const PRECONDITION_HEADERS = new Set(["if-match", "if-none-match"]);

/** What a resource's routes say of their item: its words and its error codes. */
type Named = Pick<Resource, "label" | "codes">;

// The two failures that name the item: a resource's routes say which (`invalid_tool_id`, "No such tool").
const invalid = (r?: Named) =>
  `Invalid request (\`invalid_request\`, \`invalid_json\`, ${r ? `\`${r.codes.invalidId}\`, ` : ""}\`invalid_precondition\`, \`invalid_idempotency_key\`), a body beyond the parser limits (\`json_too_deep\`, \`json_too_many_keys\`, \`invalid_number\`, \`forbidden_key\`) or refused by Vapi (\`vapi_validation_error\`)`;
const missing = (r?: Named) => (r ? `No such ${r.label} for this user (\`${r.codes.notFound}\`)` : "Not found (`not_found`)");
const notFoundExample = (r: Named) => ({ error: { code: r.codes.notFound, message: `No ${r.label} with that id exists for this user.` } });

const ERRORS: Record<number, string> = {
  401: "Missing or invalid bearer token (`unauthorized`)",
  403: "A browser page on an origin outside CORS_ORIGINS (`origin_not_allowed`)",
  409: "Vapi refused the change (`vapi_conflict`)",
  422: "The Idempotency-Key was already used for a different request (`idempotency_key_reused`); nothing was done",
  413: "Body over 256 KiB (`payload_too_large`)",
  415: "Body not application/json (`unsupported_media_type`)",
  424: "No Vapi key configured, or Vapi rejects it (`vapi_key_not_configured`, `vapi_key_rejected`)",
  426: "Not a WebSocket upgrade (`upgrade_required`)",
  429: "The user exceeded the cache's own write, revalidation or socket-open limit (`rate_limited`), or Vapi rate-limited the key (`vapi_rate_limited`)",
  500: "A bug on our side (`internal_error`)",
  502: "Vapi failed or could not be reached (`vapi_error`, `vapi_unreachable`)",
  503: "Vapi has been failing for this user and the circuit is open (`vapi_circuit_open`), or the Vapi key changed while the request was in flight (`cache_reset`); retry after `Retry-After`",
  504: "Vapi did not answer in time (`vapi_timeout`), a create's outcome is unknown (`vapi_create_unknown`: retry with the same Idempotency-Key, or check the list), or reading from Vapi did not finish within the cache's deadline (`cache_fill_timeout`)",
};

function errorHeaders(status: number, cached: boolean, replayable: boolean) {
  const headers: Record<string, ReturnType<typeof header>> = {};
  if (status === 401) headers["WWW-Authenticate"] = header("`Bearer error=\"invalid_token\"`", true);
  if (status === 429) headers["Retry-After"] = header("Seconds to wait: until the user's bucket refills (`rate_limited`), or as Vapi sent it", false);
  if (status === 503) headers["Retry-After"] = header("Seconds to wait before retrying", true);
  // Failures decided by the coordinator say so; those refused at the edge (auth, validation) do not.
  if (cached && status !== 401 && status !== 413 && status !== 415) {
    headers["Cache-Status"] = cacheStatus(false);
    headers["Server-Timing"] = header("Where the time went before the failure, in ms", false);
    // A duplicate that waited for the first request with its Idempotency-Key gets that request's failure.
    if (replayable) Object.assign(headers, replayedHeader);
  }
  return headers;
}

/**
 * OpenAPI response entries, in the one error envelope, for the statuses a route can answer
 * (500 is always added). `cached`: the route goes through the cache, whose failures carry Cache-Status;
 * `replayable`: a write taking an Idempotency-Key, whose failures may be another request's, replayed;
 * `resource`: the item a resource's route names in its 400 and 404 (its codes, its words).
 */
export const errors = (statuses: number[], opts: { cached?: boolean; replayable?: boolean; resource?: Named } = {}) =>
  Object.fromEntries(
    [...statuses, 500].map((s) => {
      const headers = errorHeaders(s, opts.cached ?? false, opts.replayable ?? false);
      const description = s === 400 ? invalid(opts.resource) : s === 404 ? missing(opts.resource) : (ERRORS[s] ?? "Error");
      // The Error component's example is an assistant's; a resource's 404 shows its own.
      const example = s === 404 && opts.resource ? { example: notFoundExample(opts.resource) } : {};
      return [
        s,
        {
          description,
          ...(Object.keys(headers).length ? { headers } : {}),
          content: { "application/json": { schema: ErrorSchema, ...example } },
        },
      ];
    }),
  );

/** A JSON response entry. */
export const json = <T extends z.ZodType>(schema: T, description: string, headers?: Headers) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/json": { schema } },
});
