import { assistants as resource } from "../../core/resources/assistants";
import { AssistantSchema, preconditionFailed } from "../lib/openapi";
import { resourceRoutes } from "./resource";

/** /api/assistants: the first resource through the route factory (resource.ts). */
export const assistants = resourceRoutes(resource, AssistantSchema, {
  create: { name: "Sales Agent", model: { provider: "openai", model: "gpt-4o" } },
  patch: { name: "New Name", model: { messages: [{ role: "system", content: "Be brief." }] } },
}, preconditionFailed);
