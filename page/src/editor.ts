// The editor (name, first message, system prompt) and the conflict view. A save sends
// `If-Match` with the version the editor was opened on; when another tab or teammate saved
// first, nothing is written and the service answers 412 with the current version: the page
// shows both and lets the user keep either, so every path ends in one version everyone sees.
import { type Assistant, type CacheClient, ConflictError, NotFoundError } from "../../packages/client/src/index.ts";
import { byId, h, say } from "./dom.ts";
import { type Fields, fieldsOf, patchFor } from "./fields.ts";

export interface Saved {
  assistant: Assistant;
  etag: string;
}

interface Open {
  id: string | undefined; // undefined: a new assistant
  base: Assistant | undefined;
  etag: string | undefined;
  dirty: boolean;
}

let open: Open | undefined;
let conflict: { mine: Fields; theirs: Assistant; etag: string } | undefined;

const form = () => byId<HTMLFormElement>("editor");
const input = (id: string) => byId<HTMLInputElement | HTMLTextAreaElement>(id);
const note = (text: string) => void (byId("editor-note").textContent = text);

function values(): Fields {
  return { name: input("field-name").value.trim(), firstMessage: input("field-first-message").value, system: input("field-system").value };
}

function show(f: Fields) {
  input("field-name").value = f.name;
  input("field-first-message").value = f.firstMessage;
  input("field-system").value = f.system;
}

/** Wires the editor's buttons to the client; `onSaved` puts the result in the list. */
export function setUpEditor(client: CacheClient, onSaved: (s: Saved) => void, onGone: (id: string) => void) {
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
    if (!conflict) return;
    onSaved({ assistant: conflict.theirs, etag: conflict.etag });
    close();
  });

  async function save(o: Open, to: Fields, base: Assistant | undefined, etag: string | undefined) {
    if (!to.name) return void note("A name is needed.");
    byId<HTMLButtonElement>("save").disabled = true;
    try {
      const patch = patchFor(to, base);
      const r = o.id === undefined ? await client.createAssistant(patch) : await client.updateAssistant(o.id, patch, { expected: etag });
      onSaved({ assistant: r.assistant, etag: r.etag! });
      close(r.assistant.id);
    } catch (err) {
      if (err instanceof ConflictError) showConflict(to, err.current, err.currentEtag!);
      else if (err instanceof NotFoundError && o.id) {
        onGone(o.id);
        close();
        say("That assistant was deleted elsewhere; nothing was saved.");
      } else note(`Not saved: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      byId<HTMLButtonElement>("save").disabled = false;
    }
  }
}

/** Opens the editor on an assistant (or a new one, with none) and moves focus into it. */
export function openEditor(a?: { assistant: Assistant; etag: string }) {
  open = { id: a?.assistant.id, base: a?.assistant, etag: a?.etag, dirty: false };
  conflict = undefined;
  byId("conflict").hidden = true;
  byId("editor-title").textContent = a ? `Edit ${a.assistant.name || "assistant"}` : "New assistant";
  show(fieldsOf(a?.assistant));
  note("");
  byId("editor-panel").hidden = false;
  input("field-name").focus();
}

/** Another tab, a teammate or Vapi changed an assistant: refresh an untouched editor, warn a touched one. */
export function changedElsewhere(a: Assistant, etag: string) {
  if (!open || open.id !== a.id || conflict) return;
  if (open.dirty) return note("Changed elsewhere since you opened it: saving will show both versions.");
  open.base = a;
  open.etag = etag;
  show(fieldsOf(a));
  note("Updated with a change made elsewhere.");
}

export function deletedElsewhere(id: string) {
  if (open?.id !== id) return;
  close();
  say("The assistant you were editing was deleted elsewhere.");
}

function showConflict(mine: Fields, theirs: Assistant, etag: string) {
  conflict = { mine, theirs, etag };
  const rows = (f: Fields) => [
    ...(["Name", "First message", "System prompt"] as const).flatMap((label, i) => [
      h("dt", {}, label),
      h("dd", {}, [f.name, f.firstMessage, f.system][i] || "—"),
    ]),
  ];
  byId("conflict-mine").replaceChildren(...rows(mine));
  byId("conflict-theirs").replaceChildren(...rows(fieldsOf(theirs)));
  byId("editor-panel").hidden = true;
  byId("conflict").hidden = false;
  byId("conflict-title").focus();
}

/** Closes the editor and conflict view; focus returns to the assistant's Edit button (or New). */
function close(id = open?.id) {
  open = undefined;
  conflict = undefined;
  byId("editor-panel").hidden = true;
  byId("conflict").hidden = true;
  const back = id ? document.querySelector<HTMLElement>(`li[data-id="${CSS.escape(id)}"] .edit`) : null;
  (back ?? byId("new")).focus();
}
