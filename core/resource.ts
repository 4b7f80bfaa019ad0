import { z } from "zod";

// What the cache needs to know about one kind of Vapi config object (assistants, and next phone
// numbers, tools, squads): the core (hot layer, event log, flight keys, D1 statements, trust and
// repair, the Vapi client) takes one of these and assumes nothing else. See docs/architecture.md,
// "Adding a resource".

/** The four fields Vapi gives every config object (vapi-resources.md): id, org, and two times. */
export const VapiItemShape = {
  id: z.string(),
  orgId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
};

/** A Vapi config object: the four server fields; the rest is Vapi's to define. */
export type VapiItem = z.infer<z.ZodObject<typeof VapiItemShape>> & Record<string, unknown>;

/** One kind of cached Vapi object. */
export interface Resource<T extends VapiItem = VapiItem> {
  /** Singular: the `resource` of its events, the key of one item in answers (`{"assistant": …}`). */
  readonly name: string;
  /** Plural: the key of the list in answers and the route's path segment. */
  readonly plural: string;
  /** The human words for one item and for several, in answers' messages and the document ("phone number"). */
  readonly label: string;
  readonly labelPlural: string;
  /** Vapi's collection path (`/assistant`); an item is `<path>/<id>`. */
  readonly path: string;
  /** D1 tables: the cached rows, and the marker of the last complete list sync. */
  readonly table: string;
  readonly listSyncTable: string;
  /** Error codes: a bad id in a route's path, and an id that does not exist. */
  readonly codes: { readonly invalidId: string; readonly notFound: string };
  /** The item's version in ms (never goes backwards). */
  version(item: T): number;
  /** List order: negative when `a` comes first (newest first). */
  order(a: T, b: T): number;
  /** Whether Vapi's answer has the fields the cache relies on (no copy is made: the object stays Vapi's). */
  check(data: unknown): data is T;
  /**
   * Top-level fields Vapi answers that are third-party credentials (a Twilio number's auth token):
   * removed from every answer where it enters the cache (src/vapi/client.ts), so they reach no hot
   * layer, D1 row, event, answer or log. Sent to Vapi as given. See docs/security.md.
   */
  readonly secrets: readonly string[];
  /** Whether Vapi's create DTO takes `metadata`, where the lost-create marker rides (src/vapi/create-marker.ts). */
  readonly marksCreates: boolean;
  /** The other resources' ids an item points at: when one is deleted, the item is no longer trusted (durable-objects/relations.ts). */
  readonly references: readonly Reference<T>[];
}

/** One relation: the ids of `resource` (a descriptor `name`) that an item names. */
export interface Reference<T extends VapiItem = VapiItem> {
  readonly resource: string;
  /** Where, in words, for the docs and errors (`assistantId`, `members[].assistantId`). */
  readonly field: string;
  ids(item: T): string[];
}

/** The four fields checked alone: parsing a loose object would copy every key of every item. */
const ItemFields = z.object(VapiItemShape);

/**
 * A config-like resource: versioned by Vapi's `updatedAt`, listed newest first by `createdAt`
 * (then id), paged by `createdAt` like assistants (vapi-resources.md: the same filters).
 */
export function configResource<T extends VapiItem = VapiItem>(
  spec: Pick<Resource<T>, "name" | "plural" | "path" | "table" | "listSyncTable"> &
    Partial<Pick<Resource<T>, "label" | "labelPlural" | "secrets" | "marksCreates" | "references">>,
): Resource<T> {
  return {
    // A one-word name reads as it is ("assistant"); a camelCase one needs its words spelled out.
    label: spec.name,
    labelPlural: spec.plural,
    secrets: [],
    marksCreates: true,
    references: [],
    ...spec,
    codes: { invalidId: `invalid_${spec.name}_id`, notFound: `${spec.name}_not_found` },
    version: (item) => Date.parse(item.updatedAt) || 0,
    order: (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
    check: (data): data is T => ItemFields.safeParse(data).success,
  };
}
