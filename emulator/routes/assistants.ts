import { Hono, type Context, type MiddlewareHandler } from "hono";
import { readJsonObject } from "../body.ts";
import { ApiError, INVALID_KEY, badRequest } from "../errors.ts";
import type { JsonObject } from "../json.ts";
import { parseListQuery } from "../list-query.ts";
import type { Assistant, Org } from "../org.ts";
import type { EmulatorState } from "../state.ts";
import { validateAssistantBody } from "../validate.ts";

type Env = { Variables: { org: Org } };

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

async function validBody(c: Context<Env>): Promise<JsonObject> {
  const body = await readJsonObject(c);
  const messages = validateAssistantBody(body);
  if (messages.length > 0) throw badRequest(messages);
  return body;
}

function found(assistant: Assistant | undefined): Assistant {
  if (!assistant) throw new ApiError(404, "Not Found");
  return assistant;
}

/** Vapi's assistant API: GET/POST /assistant, GET/PATCH/DELETE /assistant/:id. */
export function assistantRoutes(state: EmulatorState): Hono<Env> {
  const auth: MiddlewareHandler<Env> = async (c, next) => {
    const key = bearerKey(c.req.header("authorization"));
    const org = key === undefined ? undefined : state.orgs.get(key);
    if (!org) throw new ApiError(401, INVALID_KEY);
    c.set("org", org);
    await next();
  };
  return new Hono<Env>({ strict: false })
    .get("/", auth, (c) => c.json(c.var.org.list(parseListQuery(new URL(c.req.url).searchParams))))
    .post("/", auth, async (c) => c.json(c.var.org.create(await validBody(c)), 201))
    .get("/:id", auth, (c) => c.json(found(c.var.org.get(idParam(c)))))
    .patch("/:id", auth, async (c) => {
      const id = idParam(c);
      return c.json(found(c.var.org.update(id, await validBody(c))));
    })
    .delete("/:id", auth, (c) => c.json(found(c.var.org.remove(idParam(c)))));
}
