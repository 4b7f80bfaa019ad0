import type { Resource } from "../resource";
import { assistants } from "./assistants";
import { phoneNumbers } from "./phone-numbers";
import { squads } from "./squads";
import { tools } from "./tools";

/**
 * Every resource the cache holds: the coordinator builds one bundle per entry
 * (durable-objects/bundle.ts), and the first is warmed when a tab opens on a cold cache
 * (refresh-ahead.ts). Adding a resource adds its line here (docs/architecture.md, "Adding a resource").
 */
export const resources: readonly Resource[] = [assistants, phoneNumbers, tools, squads];
