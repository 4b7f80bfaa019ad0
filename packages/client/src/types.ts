// Types of the client SDK. They mirror the service's API (docs/api.md) and import nothing from
// the server, so the SDK can be bundled into a dashboard on its own.

/** A Vapi assistant: four fields are always there; the rest is Vapi's. */
export interface Assistant {
  id: string;
  orgId: string;
  createdAt: string;
  updatedAt: string;
  name?: string;
  [field: string]: unknown;
}

/** Any Vapi config object the service caches: the four server fields; the rest is Vapi's. */
export interface VapiItem {
  id: string;
  orgId: string;
  createdAt: string;
  updatedAt: string;
  name?: string;
  [field: string]: unknown;
}

/**
 * A Vapi phone number (a oneOf by `provider` in Vapi's schema). The service never answers a
 * Twilio number's `twilioAuthToken`, `twilioApiKey` or `twilioApiSecret` (docs/security.md).
 */
export interface PhoneNumber extends VapiItem {
  provider?: "byo-phone-number" | "twilio" | "vonage" | "vapi" | "telnyx";
  number?: string;
  assistantId?: string;
  squadId?: string;
}

/** A Vapi tool (a oneOf by `type`: function, apiRequest, endCall, transferCall, dtmf, …). */
export interface Tool extends VapiItem {
  type?: string;
}

/** A Vapi squad: assistants as members. */
export interface Squad extends VapiItem {
  members?: { assistantId?: string; [field: string]: unknown }[];
}

/** The resources' names as events carry them (`resource`). */
export type ResourceName = "assistant" | "phoneNumber" | "tool" | "squad";

/** A list of any resource: the items, each one's validator by id, and how it was served. */
export interface ItemsResult<T extends VapiItem> {
  items: T[];
  etags: Record<string, string>;
  cached: boolean;
  etag?: string;
}

/** One item of any resource, and its validator (pass it as `expected` to update or delete). */
export interface ItemResult<T extends VapiItem> {
  item: T;
  cached: boolean;
  etag?: string;
}

/** A change of any resource the subscription asked for (`subscribeTo`); `resync` as for assistants. */
export type ResourceChangeEvent =
  | ({ type: "created" | "updated"; seq: number; resource: ResourceName; id: string; version: number; etag: string; item: VapiItem } & Author)
  | ({ type: "deleted"; seq: number; resource: ResourceName; id: string } & Author)
  | { type: "resync"; seq: number };

/** Where an answer came from: the cache service, or the direct-Vapi fallback. */
export type Source = "cache" | "fallback";

export interface ListResult {
  assistants: Assistant[];
  /**
   * Each listed assistant's validator, by id: pass `etags[a.id]` as `expected` to edit straight
   * from the list. Empty from the fallback (Vapi has no validators).
   */
  etags: Record<string, string>;
  /** True when served without asking Vapi (a cache hit, or a 304 on the SDK's own copy). */
  cached: boolean;
  /** The list's validator; absent from the fallback. */
  etag?: string;
  source: Source;
}

export interface AssistantResult {
  assistant: Assistant;
  cached: boolean;
  /** This version's validator: pass it as `expected` to updateAssistant/deleteAssistant. */
  etag?: string;
  source: Source;
}

/** The five operations of the seed's `d1Client`, as a direct-Vapi fallback implements them. */
export interface AssistantOperations {
  getAssistants(): Promise<Assistant[]>;
  getAssistant(id: string): Promise<Assistant>;
  createAssistant(data: Record<string, unknown>): Promise<Assistant>;
  updateAssistant(id: string, patch: Record<string, unknown>): Promise<Assistant>;
  deleteAssistant(id: string): Promise<void>;
}

/** Who made a change: which SDK instance wrote it (`clientId`), and whether it was this one (`own`). */
interface Author {
  /**
   * `write`: through this service, by this user; `vapi`: found by a refresh (an edit made in Vapi
   * itself); `team`: a teammate's write (another user whose Vapi key reaches the same org; never `own`).
   */
  origin: "write" | "vapi" | "team";
  /** The `X-Client-Id` the write was sent with (every SDK instance sends its `clientId`). */
  clientId?: string;
  /** Set by the SDK: true when this SDK instance made the write (a tab's own edit). */
  own: boolean;
}

/**
 * A change of one of the user's assistants, pushed to every tab in `seq` order. `resource` and
 * `item` come from the service's `vapi-edge-cache.v2` messages (the SDK fills them in from a v1
 * service's too); `assistant` is `item`, as before.
 */
export type ChangeEvent =
  | ({
      type: "created" | "updated";
      seq: number;
      resource: "assistant";
      id: string;
      /** Vapi's `updatedAt`, in ms. */
      version: number;
      etag: string;
      item: Assistant;
      assistant: Assistant;
    } & Author)
  | ({ type: "deleted"; seq: number; resource: "assistant"; id: string } & Author)
  /** The tab was too far behind for the log: reload the list, then events continue from `seq`. */
  | { type: "resync"; seq: number };

/** The slice of a WebSocket the SDK uses; the browser's satisfies it. */
export interface SocketLike {
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (event: { code: number }) => void): void;
  addEventListener(type: "error", listener: () => void): void;
  close(code?: number, reason?: string): void;
}
