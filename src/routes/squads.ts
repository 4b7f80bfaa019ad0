import { z } from "@hono/zod-openapi";
import { VapiItemShape } from "../../core/resource";
import { squads as resource } from "../../core/resources/squads";
import { resourceRoutes } from "./resource";

const SquadSchema = z.looseObject(VapiItemShape).openapi("Squad", { description: "A Vapi squad as Vapi answers it" });

/** /api/squads: list, get, create, merge-patch update and delete through the cache. */
export const squads = resourceRoutes(resource, SquadSchema, {
  create: { name: "Front desk", members: [{ assistantId: "92aa0cdc-9742-47f4-8d2b-3d1b4a5c6e7f" }] },
  // Vapi's UpdateSquadDTO requires `members` (docs/emulator.md): send them along.
  patch: { name: "Front desk (weekends)", members: [{ assistantId: "92aa0cdc-9742-47f4-8d2b-3d1b4a5c6e7f" }] },
});
