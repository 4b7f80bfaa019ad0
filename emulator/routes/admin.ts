import { Hono, type Context } from "hono";
import { z } from "zod";
import { readJsonObject } from "../body.ts";
import { registerDemoOrg } from "../demo.ts";
import { ApiError, badRequest } from "../errors.ts";
import { faultsSchema } from "../faults.ts";
import type { Org } from "../org.ts";
import { SERVER_FIELDS } from "../schema.ts";
import type { EmulatorState } from "../state.ts";

const orgBody = z
  .object({
    privateKey: z.string().min(1).max(500),
    assistants: z.number().int().min(0).max(10_000).optional(),
  })
  .strict();

async function parse<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const result = schema.safeParse(await readJsonObject(c));
  if (result.success) return result.data;
  throw badRequest(result.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`));
}

/** A behind-the-back body: anything but the fields the server sets. */
async function writableBody(c: Context) {
  const body = await readJsonObject(c);
  const readOnly = SERVER_FIELDS.filter((field) => field in body);
  if (readOnly.length > 0) throw badRequest(readOnly.map((field) => `property ${field} should not exist`));
  return body;
}

/** The admin surface for tests, benchmarks and demos (no auth, never counted, never faulted). */
export function adminRoutes(state: EmulatorState): Hono {
  const orgOf = (c: Context): Org => {
    const org = state.orgs.get(c.req.param("privateKey") ?? "");
    if (!org) throw new ApiError(404, "Unknown private key");
    return org;
  };
  const idOf = (c: Context): string => c.req.param("id") ?? "";

  return new Hono({ strict: false })
    .post("/reset", (c) => {
      state.reset();
      if (c.req.query("demo") === "1") registerDemoOrg(state);
      return c.json({ ok: true });
    })
    .post("/orgs", async (c) => {
      const body = await parse(c, orgBody);
      const { org, created } = state.registerOrg(body.privateKey, body.assistants ?? 0);
      return c.json({ privateKey: org.privateKey, orgId: org.orgId, assistants: org.size }, created ? 201 : 200);
    })
    .delete("/orgs/:privateKey", (c) => {
      const org = orgOf(c);
      state.orgs.delete(org.privateKey);
      return c.json({ privateKey: org.privateKey, orgId: org.orgId, assistants: org.size });
    })
    .get("/orgs/:privateKey/assistants", (c) => c.json(orgOf(c).list()))
    .post("/orgs/:privateKey/assistants", async (c) => {
      const org = orgOf(c);
      return c.json(org.create(await writableBody(c)), 201);
    })
    .patch("/orgs/:privateKey/assistants/:id", async (c) => {
      const org = orgOf(c);
      const updated = org.update(idOf(c), await writableBody(c));
      if (!updated) throw new ApiError(404, "Not Found");
      return c.json(updated);
    })
    .delete("/orgs/:privateKey/assistants/:id", (c) => {
      const removed = orgOf(c).remove(idOf(c));
      if (!removed) throw new ApiError(404, "Not Found");
      return c.json(removed);
    })
    .get("/requests", (c) => c.json(state.counters.snapshot()))
    .post("/requests/reset", (c) => {
      state.counters.reset();
      return c.json(state.counters.snapshot());
    })
    .get("/faults", (c) => c.json(state.faults.view()))
    .put("/faults", async (c) => {
      state.faults.set(await parse(c, faultsSchema));
      return c.json(state.faults.view());
    })
    .delete("/faults", (c) => {
      state.faults.clear(c.req.query("key"));
      return c.json(state.faults.view());
    });
}
