import { type Json, isJsonObject } from "./json.ts";
import type { Org } from "./org.ts";
import type { VapiPath } from "./vapi-paths.ts";

/**
 * What happens to items that reference a deleted one. Vapi does not document it (clear the
 * reference, keep a dangling id or refuse the delete), so by default the emulator keeps the
 * dangling id: a phone number still names the deleted assistant, and a cache must not rely on
 * either. The `onReferencedDelete: "clear"` fault makes deletes clear the references instead
 * (each changed item's updatedAt moves), so tests can cover both behaviours.
 */
export type ReferencePolicy = "keep" | "clear";

const without = (list: Json, id: string): Json =>
  Array.isArray(list) ? list.filter((entry) => entry !== id) : list;

/** Clears references to the deleted `id` of resource `path` across the org (the "clear" policy). */
export function clearReferences(org: Org, path: VapiPath, id: string): void {
  if (path === "assistant" || path === "squad") {
    const field = path === "assistant" ? "assistantId" : "squadId";
    const numbers = org.collection("phone-number");
    for (const number of numbers.list()) if (number[field] === id) numbers.update(number.id, { [field]: null });
  }
  if (path === "assistant") {
    const squads = org.collection("squad");
    for (const squad of squads.list()) {
      const members = squad.members;
      if (!Array.isArray(members) || !members.some((m) => isJsonObject(m) && m.assistantId === id)) continue;
      const cleared = members.map((m) => (isJsonObject(m) && m.assistantId === id ? withoutKey(m, "assistantId") : m));
      squads.update(squad.id, { members: cleared });
    }
  }
  if (path === "tool") {
    const assistants = org.collection("assistant");
    for (const assistant of assistants.list()) {
      const model = assistant.model;
      if (!isJsonObject(model) || !Array.isArray(model.toolIds) || !model.toolIds.includes(id)) continue;
      assistants.update(assistant.id, { model: { ...model, toolIds: without(model.toolIds, id) } });
    }
  }
}

function withoutKey(object: { [key: string]: Json }, key: string): { [key: string]: Json } {
  return Object.fromEntries(Object.entries(object).filter(([name]) => name !== key));
}
