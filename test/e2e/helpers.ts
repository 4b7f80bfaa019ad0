// Users of the e2e stack (test/e2e/global-setup.ts): each test makes its own, with its own Vapi
// org in the emulator, so Vapi calls are counted per user (the emulator counts per key).
import { SignJWT } from "jose";
import { inject, vi } from "vitest";
import { emulatorAdmin } from "../../emulator/client.ts";
import { type CacheClientOptions, createCacheClient } from "../../packages/client/src/index.ts";

export const stack = inject("e2e");
export const admin = emulatorAdmin(stack.emulatorUrl);

export interface E2eUser {
  sub: string;
  token: string;
  /** The Vapi key of the user's own org in the emulator. */
  key: string;
  ids: string[];
  /** An SDK instance (a tab) with the platform's own `fetch` and `WebSocket`. */
  client(options?: Partial<CacheClientOptions>): ReturnType<typeof createCacheClient>;
  /** Requests the Worker has sent to Vapi with this user's key so far. */
  vapiCalls(): Promise<number>;
}

/** A running stack: the shared one (global-setup.ts), or one a test file starts for itself. */
export interface Target {
  baseUrl: string;
  emulatorUrl: string;
  jwtSecret: string;
}

/** A user with its own org of `assistants` (and `more`: phone numbers, tools, squads naming them). */
export async function newUser(
  assistants = 3,
  target: Target = stack,
  more: { phoneNumbers?: number; tools?: number; squads?: number } = {},
): Promise<E2eUser> {
  const admin = emulatorAdmin(target.emulatorUrl);
  const { privateKey: key } = await admin.registerOrg({ assistants, ...more });
  const sub = `e2e-${crypto.randomUUID()}`;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(target.jwtSecret));
  const put = await fetch(`${target.baseUrl}/api/settings/vapi-key`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ privateKey: key }),
  });
  if (put.status !== 204) throw new Error(`storing the Vapi key answered ${put.status}: ${await put.text()}`);
  const ids = (await admin.assistants(key)).map((a) => a.id);
  return {
    sub,
    token,
    key,
    ids,
    client: (options = {}) => createCacheClient({ baseUrl: target.baseUrl, token, ...options }),
    vapiCalls: async () => (await admin.requests()).byKey[key] ?? 0,
  };
}

/** Resolves when `predicate` holds for something pushed to `list`; polls a caller-owned array. */
export function eventually<T>(list: T[], predicate: (item: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  return vi.waitFor(
    () => {
      const found = list.find(predicate);
      if (found === undefined) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(list)}`);
      return found;
    },
    { timeout: timeoutMs, interval: 20 },
  );
}
