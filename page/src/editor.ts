// The editor and the conflict view, for any resource (the fields its view names: an assistant's
// name, first message and system prompt; the others' name). A save sends `If-Match` with the
// version the editor was opened on; when another tab or teammate saved first, nothing is written
// and the service answers 412 with the current version: the page shows both and lets the user
// keep either, so every path ends in one version everyone sees.
import { ConflictError, NotFoundError, type ResourceName, type VapiItem } from "../../packages/client/src/index.ts";
import { byId, h, say } from "./dom.ts";
import type { Fields } from "./fields.ts";
import type { Ops, View } from "./views.ts";

export interface Saved {
  item: VapiItem;
  etag: string;
}

interface Open {
  view: View;
  ops: Ops;
  id: string | undefined; // undefined: a new item
  base: VapiItem | undefined;
  etag: string | undefined;
  dirty: boolean;
}

let open: Open | undefined;
let conflict: { mine: Fields; theirs: VapiItem; etag: string } | undefined;

const FIELDS = { name: ["field-name", "Name"], firstMessage: ["field-first-message", "First message"], system: ["field-system", "System prompt"] } as const;
const form = () => byId<HTMLFormElement>("editor");
const input = (field: keyof Fields) => byId<HTMLInputElement | HTMLTextAreaElement>(FIELDS[field][0]);
const note = (text: string) => void (byId("editor-note").textContent = text);

function values(): Fields {
  return { name: input("name").value.trim(), firstMessage: input("firstMessage").value, system: input("system").value };
}

function show(f: Fields) {
  for (const field of ["name", "firstMessage", "system"] as const) input(field).value = f[field];
}

/** Wires the editor's buttons; `onSaved` puts the result in its list, `onGone` drops a deleted item. */
export function setUpEditor(onSaved: (view: View, s: Saved) => void, onGone: (view: View, id: string) => void) {
  form().addEventListener("input", () => open && (open.dirty = true));
  byId("cancel").addEventListener("click", () => close());
  form().addEventListener("submit", (e) => {
    e.preventDefault();
    if (open) void save(open, values(), open.base, open.etag);
  });
  byId("keep-mine").addEventListener("click", () => {
    if (open && conflict) void save(open, conflict.mine, conflict.theirs, conflict.etag);
  });
  byId("keep-theirs").addEventListener("click", () => {
    if (!open || !conflict) return;
    onSaved(open.view, { item: conflict.theirs, etag: conflict.etag });
    close();
  });

  async function save(o: Open, to: Fields, base: VapiItem | undefined, etag: string | undefined) {
    if (!to.name) return void note("A name is needed.");
    byId<HTMLButtonElement>("save").disabled = true;
    try {
      const patch = o.view.patch(to, base);
      const r = o.id === undefined ? await o.ops.create(patch) : await o.ops.update(o.id, patch, { expected: etag });
      onSaved(o.view, { item: r.item, etag: r.etag! });
      close(r.item.id);
    } catch (err) {
      if (err instanceof ConflictError) showConflict(o.view, to, err.current, err.currentEtag!);
      else if (err instanceof NotFoundError && o.id) {
        onGone(o.view, o.id);
        close();
        say(`That ${o.view.noun} was deleted elsewhere; nothing was saved.`);
      } else note(`Not saved: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      byId<HTMLButtonElement>("save").disabled = false;
    }
  }
}

/** Opens the editor on an item (or a new one, with none) and moves focus into it. */
export function openEditor(view: View, ops: Ops, a?: Saved) {
  open = { view, ops, id: a?.item.id, base: a?.item, etag: a?.etag, dirty: false };
  conflict = undefined;
  byId("conflict").hidden = true;
  byId("editor-title").textContent = a ? `Edit ${view.fieldsOf(a.item).name || view.noun}` : `New ${view.noun}`;
  for (const field of ["firstMessage", "system"] as const) byId(`${FIELDS[field][0]}-row`).hidden = !view.fields.includes(field);
  show(view.fieldsOf(a?.item));
  note("");
  byId("editor-panel").hidden = false;
  input("name").focus();
}

/** Another tab, a teammate or Vapi changed an item: refresh an untouched editor, warn a touched one. */
export function changedElsewhere(resource: ResourceName, a: VapiItem, etag: string) {
  if (!open || open.view.resource !== resource || open.id !== a.id || conflict) return;
  if (open.dirty) return note("Changed elsewhere since you opened it: saving will show both versions.");
  open.base = a;
  open.etag = etag;
  show(open.view.fieldsOf(a));
  note("Updated with a change made elsewhere.");
}

export function deletedElsewhere(resource: ResourceName, id: string) {
  if (open?.view.resource !== resource || open.id !== id) return;
  const { noun } = open.view;
  close();
  say(`The ${noun} you were editing was deleted elsewhere.`);
}

function showConflict(view: View, mine: Fields, theirs: VapiItem, etag: string) {
  conflict = { mine, theirs, etag };
  const rows = (f: Fields) => view.fields.flatMap((field) => [h("dt", {}, FIELDS[field][1]), h("dd", {}, f[field] || "—")]);
  byId("conflict-title").textContent = `Someone else saved this ${view.noun} first`;
  byId("conflict-mine").replaceChildren(...rows(mine));
  byId("conflict-theirs").replaceChildren(...rows(view.fieldsOf(theirs)));
  byId("editor-panel").hidden = true;
  byId("conflict").hidden = false;
  byId("conflict-title").focus();
}

/** Closes the editor and conflict view; focus returns to the item's Edit button (or New, or its list's Refresh). */
function close(id = open?.id) {
  const view = open?.view;
  open = undefined;
  conflict = undefined;
  byId("editor-panel").hidden = true;
  byId("conflict").hidden = true;
  if (!view) return;
  const back = id ? document.querySelector<HTMLElement>(`#${view.listId} li[data-id="${CSS.escape(id)}"] .edit`) : null;
  (back ?? byId(view.creates ? "new" : view.refreshId)).focus();
}
