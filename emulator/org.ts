import { randomUUID } from "node:crypto";
import { Collection, type Item } from "./collection.ts";
import { RESOURCES } from "./resources.ts";
import type { VapiPath } from "./vapi-paths.ts";

/** An assistant as Vapi returns it (every resource has the same server fields). */
export type Assistant = Item;

/** One Vapi organisation (one private key): its assistants, phone numbers, tools and squads. */
export class Org {
  readonly privateKey: string;
  readonly orgId: string;
  private readonly collections: Record<VapiPath, Collection>;

  constructor(privateKey: string, orgId: string = randomUUID()) {
    this.privateKey = privateKey;
    this.orgId = orgId;
    const entries = Object.values(RESOURCES).map((spec) => [spec.path, new Collection(orgId, spec.defaults)]);
    this.collections = Object.fromEntries(entries) as Record<VapiPath, Collection>;
  }

  collection(path: VapiPath): Collection {
    return this.collections[path];
  }

  get assistants(): Collection {
    return this.collections.assistant;
  }

  /** What the admin surface answers about an org: its key, id and how many items of each resource. */
  summary() {
    return {
      privateKey: this.privateKey,
      orgId: this.orgId,
      assistants: this.collections.assistant.size,
      phoneNumbers: this.collections["phone-number"].size,
      tools: this.collections.tool.size,
      squads: this.collections.squad.size,
    };
  }
}
