import type { VapiItem } from "../core/resource";
import { assistants } from "../core/resources/assistants";
import { EVENTS_PROTOCOL_V1, type EventsProtocol } from "../core/protocol";

/**
 * Who caused a change: a write of this user through this service, a refresh that found Vapi changed
 * (this user's or a teammate's), or a teammate's write (users whose keys reach the same Vapi org).
 */
export type Origin = "write" | "vapi" | "team";

/**
 * A change as published, before it gets its sequence number: which `resource` (its descriptor's
 * name), and the item as stored now. `clientId`: the `X-Client-Id` the write was sent with, so the
 * tab that made it can tell its own writes from others'.
 */
export type Change =
  | { type: "created" | "updated"; resource: string; id: string; version: number; etag: string; origin: Origin; clientId?: string; item: VapiItem }
  | { type: "deleted"; resource: string; id: string; origin: Origin; clientId?: string };

/** A logged change: a change and its sequence number. */
export type Logged = Change & { seq: number };

/** The only resource v1 knew; its tabs hear of nothing else. */
const V1_RESOURCE = assistants.name;

/**
 * The v2 message, also the form the log stores (resource-neutral):
 * `{seq, type, resource, id, version, etag, origin, clientId?, item}`.
 */
export function v2Body(e: Logged): string {
  if (e.type === "deleted") {
    return JSON.stringify({ seq: e.seq, type: e.type, resource: e.resource, id: e.id, origin: e.origin, clientId: e.clientId });
  }
  const { seq, type, resource, id, version, etag, origin, clientId, item } = e;
  return JSON.stringify({ seq, type, resource, id, version, etag, origin, clientId, item });
}

/**
 * The v1 message, byte for byte what tabs got before v2 (the same keys in the same order, the
 * object as `assistant`, no `resource`); undefined for another resource's change.
 */
export function v1Body(e: Logged): string | undefined {
  if (e.resource !== V1_RESOURCE) return undefined;
  // v1 knew two origins: a teammate's write is a write through this service, by another client.
  const origin = e.origin === "team" ? "write" : e.origin;
  if (e.type === "deleted") return JSON.stringify({ seq: e.seq, type: e.type, id: e.id, origin, clientId: e.clientId });
  const { seq, type, id, version, etag, clientId, item } = e;
  return JSON.stringify({ seq, type, id, version, etag, origin, clientId, assistant: item });
}

/** A stored body back as a change: v2 bodies, and v1 bodies logged before v2 (an assistant's, as `assistant`). */
export function parseLogged(body: string): Logged {
  const raw = JSON.parse(body) as Logged & { assistant?: VapiItem };
  if (raw.resource !== undefined) return raw;
  const { assistant, ...rest } = raw;
  return (rest.type === "deleted" ? { ...rest, resource: V1_RESOURCE } : { ...rest, resource: V1_RESOURCE, item: assistant! }) as Logged;
}

/** How every v2 body starts (v2Body's key order); a v1 body has `id` third. */
const V2_HEAD = /^\{"seq":\d+,"type":"\w+","resource":/;

/** A stored body as `protocol` sends it (undefined: not for this protocol's tabs). */
export function render(body: string, protocol: EventsProtocol): string | undefined {
  const v1Stored = !V2_HEAD.test(body);
  if (protocol === EVENTS_PROTOCOL_V1) return v1Stored ? body : v1Body(parseLogged(body));
  return v1Stored ? v2Body(parseLogged(body)) : body;
}
