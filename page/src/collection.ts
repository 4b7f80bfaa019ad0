// One resource's items as this tab holds them, each with its validator and how it was served,
// and the list drawn from them. The same class holds assistants, phone numbers, squads and tools.
import { NotFoundError, type VapiItem } from "../../packages/client/src/index.ts";
import { changedElsewhere, deletedElsewhere } from "./editor.ts";
import type { Item } from "./list.ts";
import type { Served } from "./served.ts";
import type { Ops, View } from "./views.ts";

export class Collection {
  readonly items = new Map<string, Item>();

  constructor(
    readonly view: View,
    readonly ops: Ops,
    /** The last `Cache-Status` this tab read for a path (served.ts). */
    private readonly servedOf: (path: string) => Served | undefined,
    /** Draws the list again; `flash` marks the item that just changed. */
    private readonly draw: (c: Collection, flash?: string) => void,
  ) {}

  /** Reads the whole list (`revalidate`: Vapi asked now) and replaces what the tab held. */
  async load(revalidate = false) {
    const list = await this.ops.list({ revalidate });
    const served = this.servedOf(this.view.path) ?? { kind: "hit", at: Date.now() };
    this.items.clear();
    for (const item of list.items) this.items.set(item.id, { item, etag: list.etags[item.id]!, served });
    this.draw(this);
    for (const item of list.items) changedElsewhere(this.view.resource, item, list.etags[item.id]!);
  }

  upsert(item: VapiItem, etag: string, served: Served) {
    this.items.set(item.id, { item, etag, served });
    this.draw(this, item.id);
  }

  drop(id: string) {
    this.items.delete(id);
    deletedElsewhere(this.view.resource, id);
    this.draw(this);
  }

  /**
   * Reads one item again. After an item it names was deleted, the service no longer trusts its
   * copy and asks Vapi (docs/architecture.md, "Relations between resources"), so this shows what
   * Vapi now says: the dangling id, or none.
   */
  async reread(id: string) {
    try {
      const r = await this.ops.get(id);
      const path = `${this.view.path}/${encodeURIComponent(id)}`;
      this.upsert(r.item, r.etag!, this.servedOf(path) ?? { kind: "hit", at: Date.now() });
    } catch (err) {
      if (err instanceof NotFoundError) this.drop(id);
    }
  }

  /** The name the list shows for `id`, if this tab holds it. */
  nameOf(id: string): string | undefined {
    const entry = this.items.get(id);
    return entry && this.view.title(entry.item);
  }
}
