import { CacheApiError } from "./errors.ts";
import type { ResourceChangeEvent, SocketLike } from "./types.ts";

/**
 * The subprotocols offered, newest first: a service that knows v2 answers in it (messages name
 * their `resource`, the object is `item`); an older one picks v1 (the object is `assistant`).
 */
export const EVENTS_PROTOCOLS = ["vapi-edge-cache.v2", "vapi-edge-cache.v1"] as const;
/** The close code of a socket the service closed because the user opened too many: not reconnected. */
export const CLOSE_TOO_MANY_SOCKETS = 4429;

/** Where a subscription stands; `onState` gets each change. */
export type SubscriptionState =
  /** Opening a socket; `attempt` counts the failed ones before it since the last `ready`. */
  | { state: "connecting"; attempt: number }
  /** Caught up: events after `seq` arrive as they happen. */
  | { state: "ready"; seq: number }
  /** Dropped; the next attempt (number `attempt`) starts at `at` (unix ms), or at once when the browser comes back. */
  | { state: "reconnecting"; at: number; attempt: number }
  /**
   * Final: `caller` (close()), `replaced` (the service closed it because this user has too many
   * open sockets), or `unauthorized` (the token was refused, also after asking `token()` again).
   */
  | { state: "closed"; reason: "caller" | "replaced" | "unauthorized"; error?: CacheApiError };

/** The slice of `window`/`document` the SDK listens to. */
export interface EventSourceLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** Signals that the network or the tab is back: defaults to the browser's `window` and `document`, none in Node. */
export interface SubscribeEnvironment {
  /** Fires `online`. */
  window?: EventSourceLike;
  /** Fires `visibilitychange`; reconnects when `visibilityState` is then `"visible"`. */
  document?: EventSourceLike & { readonly visibilityState?: string };
}

export interface SubscribeOptions {
  /** Resume after this `seq` (from a previous subscription); default: from now on. */
  after?: number;
  /** Reconnect backoff, doubled per failed attempt (with jitter) up to the maximum. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Called on every change of state (the first, `connecting`, before `subscribe` returns). */
  onState?: (state: SubscriptionState) => void;
  environment?: SubscribeEnvironment;
}

export interface Subscription {
  /** The last `seq` delivered: pass it as `after` to resume elsewhere. */
  readonly lastSeq: number | undefined;
  readonly state: SubscriptionState;
  close(): void;
}

export interface SocketTransport {
  baseUrl: string;
  token: () => string | Promise<string>;
  webSocket: (url: string, protocols: string[]) => SocketLike | Promise<SocketLike>;
  /** The status of a cheap authenticated request with `token` (0: unreachable): is the token refused? */
  probe: (token: string) => Promise<number>;
  /** This SDK instance's id, sent with its writes: events carrying it are `own`. */
  clientId: string;
  /** Whose changes to deliver (default assistants'; v1 services send only assistants'). */
  resources?: readonly string[] | "all";
}

interface Message {
  type?: string;
  seq?: number;
  clientId?: string;
  /** v2 only (v1 messages are all assistants'). */
  resource?: string;
  item?: unknown;
  assistant?: unknown;
}

/**
 * A change in the one shape the SDK delivers, from a v2 or a v1 message; undefined: not of a
 * resource asked for. An assistant's carries its object as `assistant` too, as before.
 */
function changeOf(m: Message, clientId: string, wanted: readonly string[] | "all"): ResourceChangeEvent | undefined {
  const resource = m.resource ?? "assistant";
  if (wanted !== "all" && !wanted.includes(resource)) return undefined;
  const { item, assistant, ...rest } = m;
  const object = item ?? assistant;
  const own = m.clientId === clientId;
  if (m.type === "deleted") return { ...rest, resource, own } as ResourceChangeEvent;
  return { ...rest, resource, item: object, ...(resource === "assistant" ? { assistant: object } : {}), own } as ResourceChangeEvent;
}

/**
 * Delivers every change of the user's assistants (or of `t.resources`), in order and once each. On a drop it
 * reconnects with backoff and resumes after the last `seq` it delivered; when the service's
 * log no longer reaches back that far it delivers `resync` (reload the list).
 *
 * A browser's WebSocket cannot see why an upgrade failed, so a socket that closes before its
 * first message is followed by an authenticated HTTP probe: a refused token (401) gets one more
 * `token()` and one more attempt, then the subscription closes as `unauthorized` instead of
 * retrying forever.
 */
export function subscribe(t: SocketTransport, onEvent: (e: ResourceChangeEvent) => void, opts: SubscribeOptions = {}): Subscription {
  const minDelay = opts.minDelayMs ?? 500;
  const maxDelay = opts.maxDelayMs ?? 30_000;
  const env = opts.environment ?? (globalThis as SubscribeEnvironment);
  let lastSeq = opts.after;
  let state: SubscriptionState = { state: "connecting", attempt: 0 };
  let attempt = 0;
  let tokenRefreshed = false;
  let socket: SocketLike | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const set = (s: SubscriptionState) => {
    state = s;
    opts.onState?.(s);
  };
  const isClosed = () => state.state === "closed";

  const finish = (s: Extract<SubscriptionState, { state: "closed" }>) => {
    if (isClosed()) return;
    if (timer !== undefined) clearTimeout(timer);
    env.window?.removeEventListener("online", wake);
    env.document?.removeEventListener("visibilitychange", visible);
    const ws = socket;
    socket = undefined;
    set(s);
    ws?.close(1000, "closed");
  };

  const retry = () => {
    if (isClosed()) return;
    const delay = Math.min(maxDelay, minDelay * 2 ** attempt++) * (0.5 + Math.random() / 2);
    set({ state: "reconnecting", at: Date.now() + delay, attempt });
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
  };

  /** The browser is online again, or the tab visible: a pending reconnect need not wait out its backoff. */
  function wake() {
    if (state.state !== "reconnecting") return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    void connect();
  }
  function visible() {
    if (env.document?.visibilityState === "visible") wake();
  }

  const failedOpen = async (token: string) => {
    const status = await t.probe(token);
    if (isClosed()) return;
    if (status !== 401) return retry();
    if (!tokenRefreshed) {
      tokenRefreshed = true;
      return void connect(); // asks token() once more
    }
    const error = new CacheApiError(401, "unauthorized", "The service refused the token for live updates, also after asking token() again.");
    finish({ state: "closed", reason: "unauthorized", error });
  };

  /** Handles one message; true if it carried a `seq` (the socket is open and caught up or replaying). */
  const handle = (data: unknown): boolean => {
    let m: Message;
    try {
      m = JSON.parse(String(data)) as Message;
    } catch {
      return false;
    }
    if (typeof m.seq !== "number") return false; // pong
    if (m.type === "ready" || m.type === "resync") {
      attempt = 0;
      tokenRefreshed = false;
    }
    if (m.type === "ready") lastSeq = m.seq;
    else if (m.type === "resync" || lastSeq === undefined || m.seq > lastSeq) {
      lastSeq = m.seq;
      // A change of a resource not asked for only moves `seq` on.
      const event = m.type === "resync" ? (m as ResourceChangeEvent) : changeOf(m, t.clientId, t.resources ?? ["assistant"]);
      if (event) onEvent(event);
    }
    if (m.type === "ready" || m.type === "resync") set({ state: "ready", seq: m.seq });
    return true;
  };

  const connect = async () => {
    if (isClosed()) return;
    set({ state: "connecting", attempt });
    const url = new URL(`${t.baseUrl}/api/events`);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (lastSeq !== undefined) url.searchParams.set("after", String(lastSeq));
    let token: string;
    let ws: SocketLike;
    try {
      token = await t.token();
    } catch {
      return retry();
    }
    try {
      ws = await t.webSocket(url.toString(), [...EVENTS_PROTOCOLS, `bearer.${token}`]);
    } catch {
      return void failedOpen(token);
    }
    if (isClosed()) return ws.close(1000, "closed");
    socket = ws;
    let opened = false;
    const lost = (code?: number) => {
      if (socket !== ws) return; // error and close both fire for one drop
      socket = undefined;
      if (code === CLOSE_TOO_MANY_SOCKETS) finish({ state: "closed", reason: "replaced" });
      else if (!opened) void failedOpen(token);
      else retry();
    };
    ws.addEventListener("message", (e) => {
      if (handle(e.data)) opened = true;
    });
    ws.addEventListener("close", (e) => lost(e.code));
    ws.addEventListener("error", () => lost());
  };

  env.window?.addEventListener("online", wake);
  env.document?.addEventListener("visibilitychange", visible);
  void connect();
  return {
    get lastSeq() {
      return lastSeq;
    },
    get state() {
      return state;
    },
    close() {
      finish({ state: "closed", reason: "caller" });
    },
  };
}
