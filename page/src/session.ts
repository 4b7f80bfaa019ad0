// A signed-in tab: the four lists, their buttons, and the one events socket that keeps them live
// (`subscribeTo("all")`: every resource's changes from other tabs, teammates and Vapi itself).
import type { CacheClient, ResourceChangeEvent, ResourceName, SubscriptionState } from "../../packages/client/src/index.ts";
import { Collection } from "./collection.ts";
import { byId, say } from "./dom.ts";
import { changedElsewhere, openEditor, setUpEditor } from "./editor.ts";
import { type ListActions, renderList, tickAges } from "./list.ts";
import type { Served } from "./served.ts";
import { type View, views } from "./views.ts";

export class Session {
  readonly lists = {} as Record<ResourceName, Collection>;

  constructor(
    private readonly client: CacheClient,
    servedOf: (path: string) => Served | undefined,
  ) {
    for (const view of views) this.lists[view.resource] = new Collection(view, view.ops(client), servedOf, (c, flash) => this.draw(c, flash));
  }

  /** Loads every list but assistants (sign-in loaded those), wires the buttons, opens the socket; returns a stop function. */
  start(onState: (s: SubscriptionState) => void): () => void {
    for (const view of views) {
      byId(view.refreshId).onclick = () => void this.reload(view, true);
      if (view.resource === "assistant") this.draw(this.lists.assistant);
      else void this.reload(view, false);
    }
    setUpEditor(
      (view, s) => this.lists[view.resource].upsert(s.item, s.etag, { kind: "written", at: Date.now() }),
      (view, id) => this.gone(this.lists[view.resource], id),
    );
    byId("new").onclick = () => openEditor(this.lists.assistant.view, this.lists.assistant.ops);
    const sub = this.client.subscribeTo("all", (e) => this.onEvent(e), { onState });
    const ages = setInterval(() => views.forEach((v) => tickAges(v, this.lists[v.resource].items)), 1000);
    window.addEventListener("pagehide", () => sub.close());
    return () => {
      sub.close();
      clearInterval(ages);
    };
  }

  private onEvent(e: ResourceChangeEvent) {
    if (e.type === "resync") return void Promise.all(views.map((v) => this.reload(v, false)));
    if (e.own) return; // this tab's own write: shown from its answer already
    const c = this.lists[e.resource];
    if (e.type === "deleted") return this.gone(c, e.id);
    const detail = e.origin === "vapi" ? "edited in Vapi, found by a refresh" : "saved in another tab or by a teammate";
    c.upsert(e.item, e.etag, { kind: "live", at: Date.now(), detail });
    changedElsewhere(e.resource, e.item, e.etag);
  }

  private async reload(view: View, revalidate: boolean) {
    try {
      await this.lists[view.resource].load(revalidate);
    } catch (err) {
      say(`Could not load your ${view.nouns}: ${(err as Error).message}`);
    }
  }

  private readonly names = (resource: ResourceName, id: string) => this.lists[resource].nameOf(id);

  private actions(c: Collection): ListActions {
    return { edit: (id) => this.edit(c, id), remove: (id) => void this.remove(c, id) };
  }

  private draw(c: Collection, flash?: string) {
    renderList(c.view, c.items, this.names, this.actions(c), flash);
    // Numbers name assistants and squads, squads name assistants: their lines follow a rename or a delete.
    for (const other of Object.values(this.lists)) {
      if (other !== c && other.items.size > 0 && other.view.resource !== "assistant") renderList(other.view, other.items, this.names, this.actions(other));
    }
  }

  private edit(c: Collection, id: string) {
    const entry = c.items.get(id);
    if (entry && c.view.editable(entry.item)) openEditor(c.view, c.ops, entry);
  }

  private async remove(c: Collection, id: string) {
    const entry = c.items.get(id);
    if (!entry) return;
    try {
      await c.ops.delete(id, { expected: entry.etag });
    } catch (err) {
      const status = (err as { status?: number }).status;
      // 404: gone already; 412: changed since this tab saw it, so ask again with the new version.
      if (status === 412) return say(`“${c.view.title(entry.item)}” was changed elsewhere; look at the new version, then delete again.`);
      if (status !== 404) return say(`Not deleted: ${(err as Error).message}`);
    }
    this.gone(c, id);
    byId(c.view.creates ? "new" : c.view.refreshId).focus();
  }

  /** An item left: drop it, and read again the items that named it (the service no longer trusts their copies). */
  private gone(c: Collection, id: string) {
    c.drop(id);
    for (const other of Object.values(this.lists)) {
      for (const { item } of [...other.items.values()]) if (other.view.refersTo(item, c.view.resource, id)) void other.reread(item.id);
    }
  }
}
