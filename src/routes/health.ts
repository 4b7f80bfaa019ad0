import { createRoute, z } from "@hono/zod-openapi";
import { json } from "../lib/openapi";
import { router } from "../lib/router";

const check = createRoute({
  method: "get",
  path: "/healthz",
  operationId: "getHealth",
  tags: ["health"],
  summary: "Whether the Worker is up (no auth)",
  security: [],
  responses: {
    200: json(z.object({ status: z.literal("ok") }).openapi("Health"), "The Worker is up"),
  },
});

export const health = router().openapi(check, (c) => c.json({ status: "ok" as const }, 200));
