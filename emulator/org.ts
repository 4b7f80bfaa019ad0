import { randomUUID } from "node:crypto";
import { type JsonObject, clone } from "./json.ts";
import type { ListQuery } from "./list-query.ts";

/** An assistant as Vapi returns it: the fields that were set plus the server fields. */
export type Assistant = JsonObject & { id: string; orgId: string; createdAt: string; updatedAt: string };

type Stored = { seq: number; createdMs: number; updatedMs: number; assistant: Assistant };

/**
 * One Vapi organisation (one private key) and its assistants. Objects are cloned on the way
 * in and out, so no caller can change stored state by mutating what it got back.
 */
export class Org {
  readonly privateKey: string;
  readonly orgId: string;
  /** How many generated assistants this org has had, so generated names stay distinct. */
  generated = 0;
  private readonly byId = new Map<string, Stored>();
  private seq = 0;
  private newestFirst: Stored[] | undefined;

  constructor(privateKey: string, orgId: string = randomUUID()) {
    this.privateKey = privateKey;
    this.orgId = orgId;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Newest first (createdAt descending; the later insert first among equal timestamps). */
  list(query: ListQuery = { limit: Number.POSITIVE_INFINITY, filters: [] }): Assistant[] {
    this.newestFirst ??= [...this.byId.values()].sort((a, b) => b.createdMs - a.createdMs || b.seq - a.seq);
    const page: Assistant[] = [];
    for (const stored of this.newestFirst) {
      if (page.length >= query.limit) break;
      if (query.filters.every((f) => f.test(f.field === "createdAt" ? stored.createdMs : stored.updatedMs))) {
        page.push(clone(stored.assistant));
      }
    }
    return page;
  }

  get(id: string): Assistant | undefined {
    const stored = this.byId.get(id);
    return stored && clone(stored.assistant);
  }

  /** Stores a complete assistant (server fields included), e.g. a generated one. */
  insert(assistant: Assistant): Assistant {
    const stored: Stored = {
      seq: this.seq++,
      createdMs: Date.parse(assistant.createdAt),
      updatedMs: Date.parse(assistant.updatedAt),
      assistant: clone(assistant),
    };
    this.byId.set(assistant.id, stored);
    this.newestFirst = undefined;
    return clone(assistant);
  }

  /** POST /assistant: keeps what was sent (no defaults; `null` means absent). */
  create(body: JsonObject, now: number = Date.now()): Assistant {
    const timestamp = new Date(now).toISOString();
    const fields = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
    return this.insert({
      ...fields,
      id: randomUUID(),
      orgId: this.orgId,
      createdAt: timestamp,
      updatedAt: timestamp,
      isServerUrlSecretSet: false,
    });
  }

  /**
   * PATCH: a shallow merge where nested objects are replaced whole and `null` removes the
   * field. updatedAt always moves forward, by 1 ms if the clock has not.
   */
  update(id: string, patch: JsonObject, now: number = Date.now()): Assistant | undefined {
    const stored = this.byId.get(id);
    if (!stored) return undefined;
    const next: Assistant = { ...stored.assistant };
    for (const [key, value] of Object.entries(patch)) {
      if (key === "__proto__") continue; // assigning it would change next's prototype
      if (value === null) delete next[key];
      else next[key] = clone(value);
    }
    stored.updatedMs = Math.max(now, stored.updatedMs + 1);
    next.updatedAt = new Date(stored.updatedMs).toISOString();
    stored.assistant = next;
    return clone(stored.assistant);
  }

  remove(id: string): Assistant | undefined {
    const stored = this.byId.get(id);
    if (!stored) return undefined;
    this.byId.delete(id);
    this.newestFirst = undefined;
    return stored.assistant;
  }
}
