import { configResource, type VapiItem } from "../resource";

/** A Vapi tool (`type`: function, apiRequest, endCall, transferCall, …); the rest is Vapi's. */
export type Tool = VapiItem;

/** Tools (migrations/0004_resources_cache.sql). */
export const tools = configResource<Tool>({
  name: "tool",
  plural: "tools",
  path: "/tool",
  table: "tools_cache",
  listSyncTable: "tools_list_sync",
  // Only Vapi's MCP tool DTO takes `metadata`; one rule for every type.
  marksCreates: false,
});
