import { Hono, type Context, type MiddlewareHandler } from "hono";
import { readJsonObject } from "../body.ts";
import type { Collection, Item } from "../collection.ts";
import { ApiError, INVALID_KEY, badRequest } from "../errors.ts";
import { parseListQuery } from "../list-query.ts";
import type { Org } from "../org.ts";
import { clearReferences } from "../references.ts";
import type { ResourceSpec } from "../resources.ts";
import type { EmulatorState } from "../state.ts";

type Env = { Variables: { org: Org; key: string } };

// class-validator's IsUUID accepts any version; Vapi ids themselves are v4.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The private key of an `Authorization: Bearer <key>` header. */
export function bearerKey(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
}

// NestJS order: the auth guard first, then the id and body pipes, then the handler (404).
function idParam(c: Context<Env>): string {
  const id = c.req.param("id") ?? "";
  if (!UUID.test(id)) throw badRequest(["id must be a UUID"]);
  return id.toLowerCase(); // Postgres compares uuids case-insensitively
}

function valid<T>(messages: string[], value: T): T {
  if (messages.length > 0) throw badRequest(messages);
  return value;
}

function found(item: Item | undefined): Item {
  if (!item) throw new ApiError(404, "Not Found");
  return item;
}

/**
 * One Vapi resource's API, the same for all four: GET/POST /<path>, GET/PATCH/DELETE /<path>/:id.
 * A polymorphic resource's PATCH looks the item up before validating the body, since the
 * stored item's `provider`/`type` picks the Update DTO (so an unknown id is a 404 first).
 */
export function resourceRoutes(state: EmulatorState, spec: ResourceSpec): Hono<Env> {
  const auth: MiddlewareHandler<Env> = async (c, next) => {
    const key = bearerKey(c.req.header("authorization"));
    const org = key === undefined ? undefined : state.orgs.get(key);
    if (!org || key === undefined) throw new ApiError(401, INVALID_KEY);
    c.set("org", org);
    c.set("key", key);
    await next();
  };
  const items = (c: Context<Env>): Collection => c.var.org.collection(spec.path);
  return new Hono<Env>({ strict: false })
    .get("/", auth, (c) => c.json(items(c).list(parseListQuery(new URL(c.req.url).searchParams, spec))))
    .post("/", auth, async (c) => {
      const body = await readJsonObject(c);
      return c.json(items(c).create(valid(spec.validateCreate(body), body)), 201);
    })
    .get("/:id", auth, (c) => c.json(found(items(c).get(idParam(c)))))
    .patch("/:id", auth, async (c) => {
      const id = idParam(c);
      const body = await readJsonObject(c);
      const stored = spec.discriminator === null ? undefined : found(items(c).get(id));
      valid(spec.validateUpdate(body, stored), body);
      return c.json(found(items(c).update(id, body)));
    })
    .delete("/:id", auth, (c) => {
      const removed = found(items(c).remove(idParam(c)));
      if (state.faults.referencePolicy(c.var.key) === "clear") clearReferences(c.var.org, spec.path, removed.id);
      return c.json(removed);
    });
}
