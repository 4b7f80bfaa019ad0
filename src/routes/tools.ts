import { z } from "@hono/zod-openapi";
import { VapiItemShape } from "../../core/resource";
import { tools as resource } from "../../core/resources/tools";
import { resourceRoutes } from "./resource";

// Vapi's tools are a oneOf by `type`; Vapi (or the emulator) validates bodies.
const ToolSchema = z.looseObject(VapiItemShape).openapi("Tool", { description: "A Vapi tool as Vapi answers it" });

/** /api/tools: list, get, create, merge-patch update and delete through the cache. */
export const tools = resourceRoutes(resource, ToolSchema, {
  create: { type: "function", function: { name: "lookup_order", parameters: { type: "object", properties: {} } } },
  patch: { function: { description: "Looks up an order by its number" } },
});
