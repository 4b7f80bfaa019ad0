// What the page knows of each resource it lists: how to call it through the SDK, how to show an
// item, and what its editor edits. The list, the editor and the live updates are one code path
// for all four (list.ts, editor.ts, collection.ts); a resource is one entry here.
import type { CacheClient, ResourceName, VapiItem, WriteOptions } from "../../packages/client/src/index.ts";
import { type Fields, fieldsOf, patchFor } from "./fields.ts";

/** The SDK's five operations for one resource, in one shape (assistants' have their own names). */
export interface Ops {
  list(ro: { revalidate?: boolean }): Promise<{ items: VapiItem[]; etags: Record<string, string> }>;
  get(id: string): Promise<{ item: VapiItem; etag?: string }>;
  create(data: Record<string, unknown>): Promise<{ item: VapiItem; etag?: string }>;
  update(id: string, patch: Record<string, unknown>, w: WriteOptions): Promise<{ item: VapiItem; etag?: string }>;
  delete(id: string, w: WriteOptions): Promise<void>;
}

/** The name of another item by resource and id, when the page holds it (a number's assistant). */
export type Names = (resource: ResourceName, id: string) => string | undefined;

export interface View {
  resource: ResourceName;
  /** Human words: "phone number", "phone numbers". */
  noun: string;
  nouns: string;
  /** The service's route: the path whose `Cache-Status` the list shows. */
  path: string;
  /** The element ids of its list and its refresh button (assistants keep the page's first ones). */
  listId: string;
  refreshId: string;
  ops(c: CacheClient): Ops;
  /** The editor's fields; the first is focused. */
  fields: readonly (keyof Fields)[];
  /** Whether it can be created from the page (assistants; the others need provider-specific fields). */
  creates: boolean;
  title(item: VapiItem): string;
  /** The line under the title; may name related items (`names`), never a deleted one's old name. */
  detail(item: VapiItem, names: Names): string;
  /** What the editor shows of an item (an empty form for none). */
  fieldsOf(item: VapiItem | undefined): Fields;
  /** Whether the page can edit this item (a tool of a type without a name cannot be renamed). */
  editable(item: VapiItem): boolean;
  /** The merge patch that turns `base` (undefined: a new item) into `to`; only what differs. */
  patch(to: Fields, base: VapiItem | undefined): Record<string, unknown>;
  /** The other items an item names: when one is deleted, the page reads this item again. */
  refersTo(item: VapiItem, resource: ResourceName, id: string): boolean;
}

const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
const record = (v: unknown) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {});
const memberIds = (item: VapiItem) => (Array.isArray(item.members) ? item.members.map((m) => str(record(m).assistantId)) : []);
// A dangling reference is said as such: Vapi may keep an id whose item is gone (docs/architecture.md).
const nameOr = (names: Names, resource: ResourceName, id: string, noun: string) => names(resource, id) ?? `${noun} that is not in your list`;

export const assistantView: View = {
  resource: "assistant",
  noun: "assistant",
  nouns: "assistants",
  path: "/api/assistants",
  listId: "list",
  refreshId: "refresh",
  ops: (c) => ({
    list: async (ro) => ((r) => ({ items: r.assistants, etags: r.etags }))(await c.getAssistants(ro)),
    get: async (id) => ((r) => ({ item: r.assistant, etag: r.etag }))(await c.getAssistant(id)),
    create: async (data) => ((r) => ({ item: r.assistant, etag: r.etag }))(await c.createAssistant(data)),
    update: async (id, p, w) => ((r) => ({ item: r.assistant, etag: r.etag }))(await c.updateAssistant(id, p, w)),
    delete: (id, w) => c.deleteAssistant(id, w),
  }),
  fields: ["name", "firstMessage", "system"],
  creates: true,
  title: (a) => a.name || "(no name)",
  detail: (a) => (typeof a.firstMessage === "string" ? `“${a.firstMessage}”` : ""),
  fieldsOf,
  editable: () => true,
  patch: patchFor,
  refersTo: () => false, // its tools are not shown on the page
};

/** A view of one of the other resources: the name is what the page edits. */
function other(v: Pick<View, "resource" | "noun" | "nouns" | "path" | "title" | "detail" | "refersTo"> & {
  client: (c: CacheClient) => Ops;
  /** Where the item keeps its name (default `name`); undefined: it has none. */
  nameOf?: (item: VapiItem) => string | undefined;
  /** The patch of a new name (default `{name}`). */
  rename?: (name: string, base: VapiItem) => Record<string, unknown>;
}): View {
  const nameOf = v.nameOf ?? ((item: VapiItem) => str(item.name) ?? "");
  const rename = v.rename ?? ((name: string) => ({ name }));
  return {
    ...v,
    listId: `${v.resource}-list`,
    refreshId: `${v.resource}-refresh`,
    ops: v.client,
    fields: ["name"],
    creates: false,
    fieldsOf: (item) => ({ name: (item && nameOf(item)) ?? "", firstMessage: "", system: "" }),
    editable: (item) => nameOf(item) !== undefined,
    patch: (to, base) => (base && to.name !== nameOf(base) ? rename(to.name, base) : {}),
  };
}

export const phoneNumberView = other({
  resource: "phoneNumber",
  noun: "phone number",
  nouns: "phone numbers",
  path: "/api/phone-numbers",
  client: (c) => c.phoneNumbers,
  title: (n) => str(n.name) ?? str(n.number) ?? "(no name)",
  detail: (n, names) => {
    const number = str(n.number) ?? `a ${str(n.provider) ?? "Vapi"} number`;
    const assistant = str(n.assistantId);
    const squad = str(n.squadId);
    const to = squad ? `squad ${nameOr(names, "squad", squad, "a squad")}` : assistant ? nameOr(names, "assistant", assistant, "an assistant") : "no one";
    return `${number} · answers with ${to}`;
  },
  refersTo: (n, resource, id) => (resource === "assistant" && n.assistantId === id) || (resource === "squad" && n.squadId === id),
});

// Tools name themselves in different places by type: `name` (apiRequest, bash, …), `function.name`
// (function, code, handoff), or nowhere (endCall, dtmf, …: Vapi's update DTO takes no name).
const toolName = (t: VapiItem) => str(t.name) ?? str(record(t.function).name);
const namedInFunction = (t: VapiItem) => t.name === undefined && "function" in t;

export const toolView = other({
  resource: "tool",
  noun: "tool",
  nouns: "tools",
  path: "/api/tools",
  client: (c) => c.tools,
  title: (t) => toolName(t) ?? `${str(t.type) ?? "unnamed"} tool`,
  detail: (t) => [str(t.type), str(record(t.function).description) ?? str(t.description)].filter(Boolean).join(" · "),
  nameOf: toolName,
  // A merge patch: `function`'s other fields (parameters, description) are kept.
  rename: (name, base) => (namedInFunction(base) ? { function: { name } } : { name }),
  refersTo: () => false,
});

export const squadView = other({
  resource: "squad",
  noun: "squad",
  nouns: "squads",
  path: "/api/squads",
  client: (c) => c.squads,
  title: (s) => str(s.name) ?? "(no name)",
  detail: (s, names) => {
    const members = memberIds(s).map((id) => (id ? nameOr(names, "assistant", id, "an assistant") : "an inline assistant"));
    return members.length ? `Members: ${members.join(", ")}` : "No members";
  },
  // Vapi's UpdateSquadDTO requires `members`: they are sent along, unchanged.
  rename: (name, base) => ({ name, members: base.members ?? [] }),
  refersTo: (s, resource, id) => resource === "assistant" && memberIds(s).includes(id),
});

/** Every view, in the page's order. */
export const views = [assistantView, phoneNumberView, squadView, toolView] as const;
