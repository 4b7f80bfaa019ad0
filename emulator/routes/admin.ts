import { Hono, type Context } from "hono";
import { z } from "zod";
import { readJsonObject } from "../body.ts";
import { registerDemoOrg } from "../demo.ts";
import { ApiError, badRequest } from "../errors.ts";
import { faultsSchema } from "../faults.ts";
import type { Org } from "../org.ts";
import { type ResourceSpec, resourceByPlural } from "../resources.ts";
import type { EmulatorState } from "../state.ts";

const orgBody = z
  .object({
    privateKey: z.string().min(1).max(500),
    assistants: z.number().int().min(0).max(10_000).optional(),
    phoneNumbers: z.number().int().min(0).max(10_000).optional(),
    tools: z.number().int().min(0).max(10_000).optional(),
    squads: z.number().int().min(0).max(10_000).optional(),
  })
  .strict();

async function parse<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const result = schema.safeParse(await readJsonObject(c));
  if (result.success) return result.data;
  throw badRequest(result.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`));
}

/** A behind-the-back body: anything but the fields the server sets. */
async function writableBody(c: Context, spec: ResourceSpec) {
  const body = await readJsonObject(c);
  const readOnly = spec.serverFields.filter((field) => field in body);
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
  const specOf = (c: Context): ResourceSpec => {
    const spec = resourceByPlural(c.req.param("plural") ?? "");
    if (!spec) throw new ApiError(404, `Cannot ${c.req.method} ${c.req.path}`);
    return spec;
  };
  const itemsOf = (c: Context) => orgOf(c).collection(specOf(c).path);

  return new Hono({ strict: false })
    .post("/reset", (c) => {
      state.reset();
      if (c.req.query("demo") === "1") registerDemoOrg(state);
      return c.json({ ok: true });
    })
    .post("/orgs", async (c) => {
      const body = await parse(c, orgBody);
      const { org, created } = state.registerOrg(body.privateKey, body.assistants ?? 0, Date.now(), body);
      return c.json(org.summary(), created ? 201 : 200);
    })
    .delete("/orgs/:privateKey", (c) => {
      const org = orgOf(c);
      state.orgs.delete(org.privateKey);
      return c.json(org.summary());
    })
    // Behind Vapi's back, as an edit in Vapi's own dashboard: :plural is assistants,
    // phone-numbers, tools or squads; no validation beyond refusing server fields.
    .get("/orgs/:privateKey/:plural", (c) => c.json(itemsOf(c).list()))
    .post("/orgs/:privateKey/:plural", async (c) => {
      const items = itemsOf(c);
      return c.json(items.create(await writableBody(c, specOf(c))), 201);
    })
    .patch("/orgs/:privateKey/:plural/:id", async (c) => {
      const items = itemsOf(c);
      const updated = items.update(idOf(c), await writableBody(c, specOf(c)));
      if (!updated) throw new ApiError(404, "Not Found");
      return c.json(updated);
    })
    .delete("/orgs/:privateKey/:plural/:id", (c) => {
      const removed = itemsOf(c).remove(idOf(c));
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
