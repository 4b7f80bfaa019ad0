import type { WriteOptions, ReadOptions } from "./index.ts";
import type { ItemResult, ItemsResult, ResourceName, VapiItem } from "./types.ts";

/** Where a resource lives on the service: its routes and its answers' keys. */
export interface ResourceSpec {
  path: string;
  name: ResourceName;
  plural: string;
}

/** The resources beside assistants (docs/api.md): routes and keys as the service names them. */
export const RESOURCES = {
  phoneNumber: { path: "/api/phone-numbers", name: "phoneNumber", plural: "phoneNumbers" },
  tool: { path: "/api/tools", name: "tool", plural: "tools" },
  squad: { path: "/api/squads", name: "squad", plural: "squads" },
} as const satisfies Record<string, ResourceSpec>;

/** What the client lends a resource: conditional reads on its own copies, idempotent writes, the versions it saw. */
export interface ResourceDeps<T extends VapiItem> {
  read(path: string, ro: ReadOptions): Promise<{ body: unknown; etag?: string; notModified: boolean }>;
  write(method: string, id: string | undefined, body: unknown, w?: WriteOptions): Promise<{ item: T; etag?: string } | undefined>;
  remember(etag: string | undefined, item: VapiItem): void;
}

/** One resource's five operations, with the assistants' guarantees (304s on the SDK's copy, If-Match, Idempotency-Key, retries). */
export function resourceClient<T extends VapiItem>(spec: ResourceSpec, d: ResourceDeps<T>) {
  const one = (id: string) => `${spec.path}/${encodeURIComponent(id)}`;
  return {
    /** The complete list; `{ revalidate: true }` makes the service ask Vapi now. */
    async list(ro: ReadOptions = {}): Promise<ItemsResult<T>> {
      const r = await d.read(spec.path, ro);
      const body = r.body as Record<string, unknown> & { etags?: Record<string, string>; cached: boolean };
      return { items: body[spec.plural] as T[], etags: body.etags ?? {}, cached: r.notModified || body.cached, etag: r.etag };
    },
    /** One item; `{ revalidate: true }` makes the service ask Vapi now. */
    async get(id: string, ro: ReadOptions = {}): Promise<ItemResult<T>> {
      const r = await d.read(one(id), ro);
      const body = r.body as Record<string, unknown> & { cached: boolean };
      const item = body[spec.name] as T;
      d.remember(r.etag, item);
      return { item, cached: r.notModified || body.cached, etag: r.etag };
    },
    /** Creates once per Idempotency-Key. Vapi validates the body (by `provider` for numbers, `type` for tools). */
    async create(data: Record<string, unknown>, w: Pick<WriteOptions, "idempotencyKey"> = {}): Promise<ItemResult<T>> {
      const done = (await d.write("POST", undefined, data, w))!;
      return { item: done.item, cached: false, etag: done.etag };
    },
    /** Applies a JSON merge patch; with `expected`, only if the item is still that version (else ConflictError). */
    async update(id: string, patch: Record<string, unknown>, w: WriteOptions = {}): Promise<ItemResult<T>> {
      const done = (await d.write("PATCH", id, patch, w))!;
      return { item: done.item, cached: false, etag: done.etag };
    },
    async delete(id: string, w: WriteOptions = {}): Promise<void> {
      await d.write("DELETE", id, undefined, w);
    },
  };
}

/** The typed client of one resource: `client.phoneNumbers`, `client.tools`, `client.squads`. */
export type ResourceClient<T extends VapiItem> = ReturnType<typeof resourceClient<T>>;
