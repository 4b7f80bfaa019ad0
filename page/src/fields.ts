// The three fields the editor shows, read from an assistant and written back as a JSON merge
// patch (the service merges nested objects; an array such as model.messages is replaced whole,
// so the other messages are sent along unchanged).
import type { Assistant } from "../../packages/client/src/index.ts";

export interface Fields {
  name: string;
  firstMessage: string;
  system: string;
}

interface Message {
  role: string;
  content?: string;
}

const modelOf = (a: Assistant | undefined) => a?.model as { messages?: Message[] } | undefined;

export function fieldsOf(a: Assistant | undefined): Fields {
  return {
    name: a?.name ?? "",
    firstMessage: typeof a?.firstMessage === "string" ? a.firstMessage : "",
    system: modelOf(a)?.messages?.find((m) => m.role === "system")?.content ?? "",
  };
}

/** The merge patch that turns `base` (undefined: a new assistant) into `to`; only what differs. */
export function patchFor(to: Fields, base: Assistant | undefined): Record<string, unknown> {
  const from = fieldsOf(base);
  const patch: Record<string, unknown> = {};
  if (to.name !== from.name) patch.name = to.name;
  // null removes a field in a merge patch; a new assistant just leaves it out.
  if (to.firstMessage !== from.firstMessage) patch.firstMessage = to.firstMessage || (base ? null : undefined);
  if (to.system !== from.system) {
    const model = modelOf(base);
    const others = (model?.messages ?? []).filter((m) => m.role !== "system");
    const messages = to.system ? [{ role: "system", content: to.system }, ...others] : others;
    // Vapi needs a provider and model with any model object; a new one gets a small default.
    patch.model = model ? { messages } : { provider: "openai", model: "gpt-4o-mini", messages };
  }
  return JSON.parse(JSON.stringify(patch)) as Record<string, unknown>; // drops the undefined
}
