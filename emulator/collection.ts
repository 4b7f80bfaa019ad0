import { randomUUID } from "node:crypto";
import { type JsonObject, clone } from "./json.ts";
import type { ListQuery } from "./list-query.ts";

/** An item as Vapi returns it: the fields that were set plus the server fields. */
export type Item = JsonObject & { id: string; orgId: string; createdAt: string; updatedAt: string };

type Stored = { seq: number; createdMs: number; updatedMs: number; item: Item };

/** Server fields a resource adds on create beyond id, orgId and timestamps (e.g. `status`). */
export type ServerDefaults = (fields: JsonObject) => JsonObject;

/**
 * One org's items of one resource (assistants, phone numbers, tools or squads): Vapi's list,
 * get, create, PATCH and delete semantics, the same for every resource. Objects are cloned on
 * the way in and out, so no caller can change stored state by mutating what it got back.
 */
export class Collection {
  readonly orgId: string;
  /** How many generated items this collection has had, so generated names stay distinct. */
  generated = 0;
  /** The resource's extra server fields for an item with these fields. */
  readonly serverDefaults: ServerDefaults;
  private readonly byId = new Map<string, Stored>();
  private seq = 0;
  private newestFirst: Stored[] | undefined;

  constructor(orgId: string, defaults: ServerDefaults = () => ({})) {
    this.orgId = orgId;
    this.serverDefaults = defaults;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Newest first (createdAt descending; the later insert first among equal timestamps). */
  list(query: ListQuery = { limit: Number.POSITIVE_INFINITY, filters: [] }): Item[] {
    this.newestFirst ??= [...this.byId.values()].sort((a, b) => b.createdMs - a.createdMs || b.seq - a.seq);
    const page: Item[] = [];
    for (const stored of this.newestFirst) {
      if (page.length >= query.limit) break;
      if (query.ids && !query.ids.has(stored.item.id)) continue;
      if (query.filters.every((f) => f.test(f.field === "createdAt" ? stored.createdMs : stored.updatedMs))) {
        page.push(clone(stored.item));
      }
    }
    return page;
  }

  get(id: string): Item | undefined {
    const stored = this.byId.get(id);
    return stored && clone(stored.item);
  }

  /** Stores a complete item (server fields included), e.g. a generated one. */
  insert(item: Item): Item {
    const stored: Stored = {
      seq: this.seq++,
      createdMs: Date.parse(item.createdAt),
      updatedMs: Date.parse(item.updatedAt),
      item: clone(item),
    };
    this.byId.set(item.id, stored);
    this.newestFirst = undefined;
    return clone(item);
  }

  /** POST: keeps what was sent (no defaults beyond the server fields; `null` means absent). */
  create(body: JsonObject, now: number = Date.now()): Item {
    const timestamp = new Date(now).toISOString();
    const fields = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
    return this.insert({
      ...fields,
      id: randomUUID(),
      orgId: this.orgId,
      createdAt: timestamp,
      updatedAt: timestamp,
      ...this.serverDefaults(fields),
    });
  }

  /**
   * PATCH: a shallow merge where nested objects are replaced whole and `null` removes the
   * field. updatedAt always moves forward, by 1 ms if the clock has not.
   */
  update(id: string, patch: JsonObject, now: number = Date.now()): Item | undefined {
    const stored = this.byId.get(id);
    if (!stored) return undefined;
    const next: Item = { ...stored.item };
    for (const [key, value] of Object.entries(patch)) {
      if (key === "__proto__") continue; // assigning it would change next's prototype
      if (value === null) delete next[key];
      else next[key] = clone(value);
    }
    stored.updatedMs = Math.max(now, stored.updatedMs + 1);
    next.updatedAt = new Date(stored.updatedMs).toISOString();
    stored.item = next;
    return clone(stored.item);
  }

  remove(id: string): Item | undefined {
    const stored = this.byId.get(id);
    if (!stored) return undefined;
    this.byId.delete(id);
    this.newestFirst = undefined;
    return stored.item;
  }
}
