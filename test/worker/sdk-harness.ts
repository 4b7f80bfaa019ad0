import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { createCacheClient, type SocketLike } from "../../packages/client/src/index.ts";
import type { TestUser } from "./helpers";
import { conforms } from "./openapi-conformance";

// The SDK run inside workerd against the Worker under test: its `fetch` and its sockets go
// through the Worker's fetch handler (no platform `fetch` header rules apply here).

export const BASE = "http://cache.test";

/** A `fetch` that reaches the Worker under test (and checks every answer against /openapi.json). */
export function workerFetch(log: number[] = []): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    const res = await conforms(req, await exports.default.fetch(req.clone()));
    log.push(res.status);
    return res;
  };
}

/** The sockets `workerSockets` opened, and how many it was asked to open (refused ones too). */
export interface Sockets {
  /** While set, opening waits for it: holds reconnects back while a test writes. */
  gate?: Promise<void>;
  opened: WebSocket[];
  attempts?: number;
  /** Acts as a service from before v2: the v2 offer is dropped on the way, so the service answers in v1. */
  v1Only?: boolean;
}

/** Opens the events socket through the Worker; a refused upgrade throws, as a browser's open fails. */
export function workerSockets(state: Sockets) {
  return async (url: string, protocols: string[]): Promise<SocketLike> => {
    state.attempts = (state.attempts ?? 0) + 1;
    await state.gate;
    const res = await exports.default.fetch(
      new Request(url.replace(/^ws/, "http"), {
        headers: {
          Upgrade: "websocket",
          "Sec-WebSocket-Protocol": protocols.filter((p) => !(state.v1Only && p === "vapi-edge-cache.v2")).join(", "),
        },
      }),
    );
    if (!res.webSocket) throw new Error(`upgrade refused: ${res.status}`);
    expect(res.headers.get("Sec-WebSocket-Protocol")).toBe(state.v1Only ? "vapi-edge-cache.v1" : "vapi-edge-cache.v2");
    res.webSocket.accept();
    state.opened.push(res.webSocket);
    return res.webSocket;
  };
}

export const client = (user: TestUser, extra: Partial<Parameters<typeof createCacheClient>[0]> = {}) =>
  createCacheClient({ baseUrl: BASE, token: user.token, fetch: workerFetch(), ...extra });

