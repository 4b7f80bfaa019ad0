import { createRoute, z } from "@hono/zod-openapi";
import type { Resource } from "../../core/resource";
import { conditions, coordinator, forward, noCache } from "../lib/rpc";
import { cacheHeaders, errors, json, notModified, preconditionFailedOf, ReadPreconditions, replayedHeader, teamHeader, validatedHeaders, WritePreconditions } from "../lib/openapi";
import { router } from "../lib/router";

// The five routes of a cached Vapi resource, built from its descriptor (core/resource.ts) and the
// zod schema of its items: `resourceRoutes(assistants, AssistantSchema)` is src/routes/assistants.ts.

const Freshness = z.object({
  cached: z.boolean().openapi({ description: "true when the data was served from the cache, not from Vapi's answer to this request" }),
  stale: z.literal(true).optional().openapi({
    description: "Present when the data is past its TTL: served while it is revalidated, or because Vapi is unavailable",
  }),
});

// Beside the list, not inside Vapi's objects: clients that ignore it see the seed's shape.
const ListEtags = z.record(z.string(), z.string()).openapi("ListEtags", {
  description:
    "Each listed item's id → its ETag (as `GET /api/<plural>/{id}` sends it): send it as If-Match to edit straight from the list",
  example: { "92aa0cdc-9742-47f4-8d2b-3d1b4a5c6e7f": '"mk2x1c0g-1x9a8b7"' },
});

// Sent by the SDK with every write and echoed as `clientId` in the change event the write causes,
// so a tab can tell its own writes from another tab's. Bounded: it is stored in the event log.
const ClientId = z.object({
  "x-client-id": z
    .string()
    // guard: client-id-unvalidated
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -")
    .optional()
    .openapi({ description: "The writing client's id, echoed as `clientId` in the change event of this write", example: "tab-3f9c2a" }),
});

// The IETF httpapi draft "The Idempotency-Key HTTP Header Field": a client-chosen key (the SDK
// sends a random UUID) that makes a retry of this write answer once. Printable ASCII, bounded:
// it is stored per user for IDEMPOTENCY_RETENTION_SECONDS.
const IdempotencyKey = z.object({
  "idempotency-key": z
    .string()
    // guard: idem-key-unvalidated
    .regex(/^[\x20-\x7e]{1,255}$/, "must be 1 to 255 printable ASCII characters")
    .optional()
    .openapi({
      description:
        "Makes retries of this write safe: the same key with the same request within the retention answers the first result (`Idempotent-Replayed: true`) without a second Vapi write; with a different request, 422 `idempotency_key_reused`. A duplicate sent while the first runs waits for it. See docs/api.md",
      example: "8e03978e-40d5-43e8-bc93-6894a57f9324",
    }),
});
const WriteHeaders = ClientId.extend(IdempotencyKey.shape);

const upstream = [424, 429, 502, 503, 504];
const cached = { cached: true };
const written = { cached: true, replayable: true };
const writtenHeaders = { ...validatedHeaders, ...replayedHeader, ...teamHeader };

/** Examples for the document: a create body and a merge patch of this resource. */
export interface Examples {
  create: Record<string, unknown>;
  patch: Record<string, unknown>;
}

/** The 412 answer's document entry (assistants keep their first component name, `PreconditionFailed`). */
type PreconditionFailed = ReturnType<typeof preconditionFailedOf>;

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const article = (s: string) => (/^[aeiou]/i.test(s) ? "an" : "a");

/**
 * The routes of `resource` (mounted at /api/<plural>): list, get, create, merge-patch update and
 * delete, through the user's coordinator. Operation ids, component names and summaries follow the
 * descriptor's `name` and `plural` (`listAssistants`, `AssistantInput`, …).
 */
export function resourceRoutes(resource: Resource, schema: z.ZodType, examples: Examples, conflict?: PreconditionFailed) {
  const { name, plural, label, labelPlural } = resource;
  // Names for code (operation ids, components) come from `name`; words for people from `label`.
  const [Name, Plural, a] = [capital(name), capital(plural), article(label)];
  const preconditionFailed = conflict ?? preconditionFailedOf(resource, Name, schema);
  const failures = (statuses: number[], opts: { cached: boolean; replayable?: boolean }) => errors(statuses, { ...opts, resource });
  const tags = [plural];

  // Vapi ids are UUIDs; checking before they reach an upstream URL keeps a crafted id from walking
  // into another Vapi endpoint. Either case is accepted and lower-cased here, once, so single-flight
  // keys, the hot layer, tombstones and D1 rows all see one form of an id. The pattern spells out
  // both cases: a regex flag would not survive into the JSON Schema.
  const IdParam = z.object({
    id: z
      .string()
      .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, `must be a Vapi ${label} id (a UUID)`)
      .toLowerCase()
      .openapi({
        param: { name: "id", in: "path" },
        description: `A Vapi ${label} id (a UUID, either case)`,
        example: "92aa0cdc-9742-47f4-8d2b-3d1b4a5c6e7f",
      }),
  });
  const Body = z.record(z.string(), z.unknown()).openapi(`${Name}Input`, {
    description: `Vapi's Create${Name}DTO; Vapi validates the fields.`,
    example: examples.create,
  });
  const MergePatch = z.record(z.string(), z.unknown()).openapi(`${Name}MergePatch`, {
    description: "A JSON merge patch (RFC 7386) applied to the latest version: nested objects merge, null removes.",
    example: examples.patch,
  });
  const one = z.object({ [name]: schema });

  const list = createRoute({
    operationId: `list${Plural}`,
    method: "get",
    path: "/",
    tags,
    summary: `List the user's ${labelPlural} (cache-first, complete)`,
    request: { headers: ReadPreconditions },
    responses: {
      200: json(Freshness.extend({ [plural]: z.array(schema), etags: ListEtags }), "The complete list", validatedHeaders),
      304: notModified,
      ...failures([400, 401, ...upstream], cached),
    },
  });
  const get = createRoute({
    operationId: `get${Name}`,
    method: "get",
    path: "/{id}",
    tags,
    summary: `Get one ${label} (cache-first)`,
    request: { params: IdParam, headers: ReadPreconditions },
    responses: {
      200: json(Freshness.extend(one.shape), `The ${label}`, validatedHeaders),
      304: notModified,
      ...failures([400, 401, 404, ...upstream], cached),
    },
  });
  const create = createRoute({
    operationId: `create${Name}`,
    method: "post",
    path: "/",
    tags,
    summary: `Create ${a} ${label} in Vapi, then cache it (write-through)`,
    request: { headers: WriteHeaders, body: { required: true, content: { "application/json": { schema: Body } } } },
    responses: {
      201: json(one, "Created", writtenHeaders),
      ...failures([400, 401, 409, 413, 415, 422, ...upstream], written),
    },
  });
  const update = createRoute({
    operationId: `update${Name}`,
    method: "patch",
    path: "/{id}",
    tags,
    summary: `Update ${a} ${label} with a JSON merge patch (write-through, serialized per user)`,
    request: {
      params: IdParam,
      headers: WritePreconditions.extend(WriteHeaders.shape),
      body: { required: true, content: { "application/json": { schema: MergePatch } } },
    },
    responses: {
      200: json(one, "Updated", writtenHeaders),
      412: preconditionFailed,
      ...failures([400, 401, 404, 409, 413, 415, 422, ...upstream], written),
    },
  });
  const remove = createRoute({
    operationId: `delete${Name}`,
    method: "delete",
    path: "/{id}",
    tags,
    summary: `Delete ${a} ${label} in Vapi, then from the cache`,
    request: { params: IdParam, headers: WritePreconditions.extend(WriteHeaders.shape) },
    responses: {
      200: json(z.object({ success: z.literal(true) }), "Deleted", { ...cacheHeaders, ...replayedHeader, ...teamHeader }),
      412: preconditionFailed,
      ...failures([400, 401, 404, 409, 422, ...upstream], written),
    },
  });

  // `forward` sends the coordinator's pre-serialized body, which these schemas describe.
  return router(resource.codes.invalidId)
    .openapi(list, async (c) => {
      const { ifNoneMatch } = conditions(c);
      return forward(c, await coordinator(c).list(c.var.userId, name, { noCache: noCache(c), ifNoneMatch })) as never;
    })
    .openapi(get, async (c) => {
      const { id } = c.req.valid("param");
      const { ifNoneMatch } = conditions(c);
      return forward(c, await coordinator(c).get(c.var.userId, name, id, { noCache: noCache(c), ifNoneMatch })) as never;
    })
    .openapi(create, async (c) => {
      const { "x-client-id": clientId, "idempotency-key": idempotencyKey } = c.req.valid("header");
      return forward(c, await coordinator(c).create(c.var.userId, name, c.req.valid("json"), { clientId, idempotencyKey })) as never;
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid("param");
      const { ifMatch } = conditions(c);
      const { "x-client-id": clientId, "idempotency-key": idempotencyKey } = c.req.valid("header");
      const opts = { ifMatch, clientId, idempotencyKey };
      return forward(c, await coordinator(c).update(c.var.userId, name, id, c.req.valid("json"), opts)) as never;
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid("param");
      const { ifMatch } = conditions(c);
      const { "x-client-id": clientId, "idempotency-key": idempotencyKey } = c.req.valid("header");
      return forward(c, await coordinator(c).remove(c.var.userId, name, id, { ifMatch, clientId, idempotencyKey })) as never;
    });
}
