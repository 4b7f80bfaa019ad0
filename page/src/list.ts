// One resource's list: one <li> per item, kept (not rebuilt) across renders so a focused button
// keeps its focus while live updates arrive. The same code lists assistants, phone numbers, squads
// and tools; what differs is the view (views.ts).
import type { VapiItem } from "../../packages/client/src/index.ts";
import { byId, h } from "./dom.ts";
import { describe, type Served } from "./served.ts";
import type { Names, View } from "./views.ts";

export interface Item {
  item: VapiItem;
  etag: string;
  served: Served;
}

export interface ListActions {
  edit(id: string): void;
  remove(id: string): void;
}

export function renderList(view: View, items: Map<string, Item>, names: Names, actions: ListActions, flash?: string) {
  const list = byId<HTMLUListElement>(view.listId);
  const sorted = [...items.values()].sort((a, b) => view.title(a.item).localeCompare(view.title(b.item)));
  const kept = new Map([...list.children].map((li) => [(li as HTMLElement).dataset.id!, li as HTMLLIElement]));
  for (const [id, li] of kept) if (!items.has(id)) li.remove();
  sorted.forEach((entry, i) => {
    const li = kept.get(entry.item.id) ?? newItem(entry.item.id, actions);
    fill(view, li, entry, names);
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null);
    if (flash === entry.item.id) {
      li.classList.remove("flash");
      void li.offsetWidth; // restart the animation
      li.classList.add("flash");
    }
  });
  if (items.size === 0) list.replaceChildren(h("li", { class: "item" }, `No ${view.nouns} yet.`));
}

/** Refreshes the "… s ago" of every item. */
export function tickAges(view: View, items: Map<string, Item>) {
  for (const li of byId(view.listId).children) {
    const entry = items.get((li as HTMLElement).dataset.id ?? "");
    if (entry) li.querySelector(".served")!.replaceChildren(...servedLine(entry.served));
  }
}

function newItem(id: string, actions: ListActions): HTMLLIElement {
  const edit = h("button", { type: "button", class: "secondary edit" }, "Edit");
  const del = h("button", { type: "button", class: "danger delete" }, "Delete");
  edit.addEventListener("click", () => actions.edit(id));
  del.addEventListener("click", () => actions.remove(id));
  return h(
    "li",
    { class: "item", "data-id": id },
    h("div", { class: "what" }, h("h3", { class: "name" }), h("p", { class: "first" }), h("p", { class: "served" })),
    h("div", { class: "actions" }, edit, del),
  );
}

function fill(view: View, li: HTMLLIElement, { item, served }: Item, names: Names) {
  const name = view.title(item);
  li.querySelector(".name")!.textContent = name;
  li.querySelector(".first")!.textContent = view.detail(item, names);
  li.querySelector(".served")!.replaceChildren(...servedLine(served));
  li.dataset.served = served.kind;
  const edit = li.querySelector<HTMLButtonElement>(".edit")!;
  edit.hidden = !view.editable(item);
  edit.setAttribute("aria-label", `Edit ${name}`);
  li.querySelector(".delete")!.setAttribute("aria-label", `Delete ${name}`);
}

/** A tag with how it was served ("hit"), then the details in words. */
const servedLine = (s: Served) => [h("span", { class: `tag ${s.kind}` }, s.kind), " ", describe(s)];
