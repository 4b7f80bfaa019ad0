import { createRoute, z } from "@hono/zod-openapi";
import { readSettings } from "../db/settings";
import { coordinator } from "../lib/rpc";
import { configFor } from "../../core/config";
import { ApiError, fromFailure } from "../../core/errors";
import { errors, json } from "../lib/openapi";
import { router } from "../lib/router";
import { assistants } from "../../core/resources/assistants";
import { ResourceClient } from "../vapi/client";

const tags = ["settings"];

const KeyBody = z
  .object({
    privateKey: z
      .string()
      .trim()
      .min(8, "must be a Vapi private key")
      .max(256, "must be a Vapi private key")
      .regex(/^[\x21-\x7e]+$/, "must not contain spaces or control characters"),
  })
  .strict()
  .openapi("VapiKeyInput");

const Settings = z
  .object({
    vapiKeyConfigured: z.boolean(),
    vapiKeyLast4: z.string().nullable().openapi({ description: "Last four characters; never the key" }),
  })
  .openapi("Settings");

const read = createRoute({
  operationId: "getSettings",
  method: "get",
  path: "/",
  tags,
  summary: "Whether a Vapi key is configured (never the key itself)",
  responses: {
    200: json(Settings, "Settings"),
    ...errors([401]),
  },
});

const putKey = createRoute({
  operationId: "setVapiKey",
  method: "put",
  path: "/vapi-key",
  tags,
  summary: "Verify a Vapi private key against Vapi and store it encrypted",
  request: { body: { required: true, content: { "application/json": { schema: KeyBody } } } },
  responses: {
    204: { description: "Stored" },
    ...errors([400, 401, 413, 415, 424, 429, 502, 504]),
  },
});

const deleteKey = createRoute({
  operationId: "deleteVapiKey",
  method: "delete",
  path: "/vapi-key",
  tags,
  summary: "Forget the Vapi key and drop the user's cache",
  responses: { 204: { description: "Deleted" }, ...errors([401, 429]) },
});

const base = router();
base.use(async (c, next) => {
  await next();
  // What a user's key setup looks like is nobody's to cache: not a browser, not a proxy.
  c.header("Cache-Control", "no-store");
});

export const settings = base
  .openapi(read, async (c) => {
    const row = await readSettings(c.env.DB, c.var.userId);
    return c.json({ vapiKeyConfigured: row !== null, vapiKeyLast4: row?.vapi_key_last4 ?? null }, 200);
  })
  .openapi(putKey, async (c) => {
    const { privateKey } = c.req.valid("json");
    // Verifying costs a Vapi call with a key the client chose: limited like any write.
    const limited = await coordinator(c).admitWrite(c.var.userId);
    if (limited) throw fromFailure(limited);
    const config = configFor(c.env);
    let first: { orgId?: string } | undefined;
    const client = new ResourceClient(assistants, { baseUrl: config.vapiBaseUrl, privateKey, timeoutMs: config.vapiTimeoutMs });
    try {
      // Vapi's answer names the key's org (`orgId` on any assistant): the user's team.
      [first] = await client.listPage(1);
    } catch (err) {
      if (err instanceof ApiError && err.code === "vapi_key_rejected") {
        throw new ApiError(424, "vapi_key_rejected", "Vapi did not accept this private key; nothing was stored.");
      }
      throw err;
    }
    await coordinator(c).setKey(c.var.userId, privateKey, { orgId: first?.orgId });
    return c.body(null, 204);
  })
  .openapi(deleteKey, async (c) => {
    // Each removal drops and rebuilds the user's cache (the next reads go to Vapi): limited like any write.
    const limited = await coordinator(c).admitWrite(c.var.userId);
    // guard: key-removal-not-rate-limited
    if (limited) throw fromFailure(limited);
    await coordinator(c).removeKey(c.var.userId);
    return c.body(null, 204);
  });
