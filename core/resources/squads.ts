import { configResource, type VapiItem } from "../resource";
import { byEach } from "./references";

/** A Vapi squad (`members[]` of assistants); the rest is Vapi's. */
export type Squad = VapiItem;

/** Squads (migrations/0004_resources_cache.sql). */
export const squads = configResource<Squad>({
  name: "squad",
  plural: "squads",
  path: "/squad",
  table: "squads_cache",
  listSyncTable: "squads_list_sync",
  marksCreates: false,
  references: [byEach("assistant", "members", "assistantId")],
});
