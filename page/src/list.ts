// The list of assistants: one <li> per assistant, kept (not rebuilt) across renders so a
// focused button keeps its focus while live updates arrive.
import type { Assistant } from "../../packages/client/src/index.ts";
import { byId, h } from "./dom.ts";
import { describe, type Served } from "./served.ts";

export interface Item {
  assistant: Assistant;
  etag: string;
  served: Served;
}

export interface ListActions {
  edit(id: string): void;
  remove(id: string): void;
}

export function renderList(items: Map<string, Item>, actions: ListActions, flash?: string) {
  const list = byId<HTMLUListElement>("list");
  const sorted = [...items.values()].sort((a, b) => (a.assistant.name ?? "").localeCompare(b.assistant.name ?? ""));
  const kept = new Map([...list.children].map((li) => [(li as HTMLElement).dataset.id!, li as HTMLLIElement]));
  for (const [id, li] of kept) if (!items.has(id)) li.remove();
  sorted.forEach((item, i) => {
    const li = kept.get(item.assistant.id) ?? newItem(item.assistant.id, actions);
    fill(li, item);
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null);
    if (flash === item.assistant.id) {
      li.classList.remove("flash");
      void li.offsetWidth; // restart the animation
      li.classList.add("flash");
    }
  });
  if (items.size === 0) list.replaceChildren(h("li", { class: "item" }, "No assistants yet."));
}

/** Refreshes the "… s ago" of every item. */
export function tickAges(items: Map<string, Item>) {
  for (const li of byId("list").children) {
    const item = items.get((li as HTMLElement).dataset.id ?? "");
    if (item) li.querySelector(".served")!.replaceChildren(...servedLine(item.served));
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

function fill(li: HTMLLIElement, { assistant: a, served }: Item) {
  const name = a.name || "(no name)";
  li.querySelector(".name")!.textContent = name;
  li.querySelector(".first")!.textContent = typeof a.firstMessage === "string" ? `“${a.firstMessage}”` : "";
  li.querySelector(".served")!.replaceChildren(...servedLine(served));
  li.dataset.served = served.kind;
  li.querySelector(".edit")!.setAttribute("aria-label", `Edit ${name}`);
  li.querySelector(".delete")!.setAttribute("aria-label", `Delete ${name}`);
}

/** A tag with how it was served ("hit"), then the details in words. */
const servedLine = (s: Served) => [h("span", { class: `tag ${s.kind}` }, s.kind), " ", describe(s)];
