import type { ChangeEvent, SocketLike } from "./types.ts";

export const EVENTS_PROTOCOL = "vapi-edge-cache.v1";

export interface SubscribeOptions {
  /** Resume after this `seq` (from a previous subscription); default: from now on. */
  after?: number;
  /** Reconnect backoff, doubled per failed attempt (with jitter) up to the maximum. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export interface Subscription {
  /** The last `seq` delivered: pass it as `after` to resume elsewhere. */
  readonly lastSeq: number | undefined;
  close(): void;
}

export interface SocketTransport {
  baseUrl: string;
  token: () => string | Promise<string>;
  webSocket: (url: string, protocols: string[]) => SocketLike | Promise<SocketLike>;
}

interface Message {
  type?: string;
  seq?: number;
}

/**
 * Delivers every change of the user's assistants, in order and once each. On a drop it
 * reconnects with backoff and resumes after the last `seq` it delivered; when the service's
 * log no longer reaches back that far it delivers `resync` (reload the list).
 */
export function subscribe(t: SocketTransport, onEvent: (e: ChangeEvent) => void, opts: SubscribeOptions = {}): Subscription {
  const minDelay = opts.minDelayMs ?? 500;
  const maxDelay = opts.maxDelayMs ?? 30_000;
  let lastSeq = opts.after;
  let closed = false;
  let attempt = 0;
  let socket: SocketLike | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const retry = () => {
    if (closed) return;
    const delay = Math.min(maxDelay, minDelay * 2 ** attempt++) * (0.5 + Math.random() / 2);
    timer = setTimeout(() => void connect(), delay);
  };

  const handle = (data: unknown) => {
    const m = JSON.parse(String(data)) as Message;
    if (typeof m.seq !== "number") return; // pong
    if (m.type === "ready") {
      attempt = 0;
      lastSeq = m.seq;
    } else if (m.type === "resync" || lastSeq === undefined || m.seq > lastSeq) {
      lastSeq = m.seq;
      onEvent(m as ChangeEvent);
    }
  };

  const connect = async () => {
    if (closed) return;
    const url = new URL(`${t.baseUrl}/api/assistants/events`);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (lastSeq !== undefined) url.searchParams.set("after", String(lastSeq));
    let ws: SocketLike;
    try {
      ws = await t.webSocket(url.toString(), [EVENTS_PROTOCOL, `bearer.${await t.token()}`]);
    } catch {
      return retry();
    }
    if (closed) return ws.close(1000, "closed");
    socket = ws;
    const lost = () => {
      if (socket !== ws) return; // error and close both fire for one drop
      socket = undefined;
      retry();
    };
    ws.addEventListener("message", (e) => handle(e.data));
    ws.addEventListener("close", lost);
    ws.addEventListener("error", lost);
  };

  void connect();
  return {
    get lastSeq() {
      return lastSeq;
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      socket?.close(1000, "closed");
      socket = undefined;
    },
  };
}
