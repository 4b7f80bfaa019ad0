import { configResource, type VapiItem } from "../resource";
import { byNestedList } from "./references";

/** A Vapi assistant: the four server fields; the rest is Vapi's (the cache passes it through). */
export type Assistant = VapiItem;

/** Assistants, the first resource the cache holds (migrations/0002_assistants_cache.sql). */
export const assistants = configResource<Assistant>({
  name: "assistant",
  plural: "assistants",
  path: "/assistant",
  table: "assistants_cache",
  listSyncTable: "assistants_list_sync",
  references: [byNestedList("tool", "model", "toolIds")],
});
