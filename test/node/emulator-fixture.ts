// One emulator per test file, started on a free port before the file's tests and closed after,
// plus the helpers the emulator's test files share.
import { afterAll, assert, beforeAll, expect } from "vitest";
import { type CallOptions, type CallResult, assistantSchema, call, emulatorAdmin, errorSchema } from "../../emulator/client.ts";
import { type RunningEmulator, startEmulator } from "../../emulator/server.ts";

export const NOT_FOUND = { message: "Not Found", error: "Not Found", statusCode: 404 };
export const validModel = { provider: "openai", model: "gpt-4o", messages: [{ role: "system", content: "Be nice." }] };

/**
 * Registers beforeAll/afterAll hooks that start and close an emulator. `url` and `admin` are
 * getters (usable once the file's tests run); the functions can be destructured right away.
 */
export function useEmulator() {
  let running: { emulator: RunningEmulator; admin: ReturnType<typeof emulatorAdmin> } | undefined;
  const started = () => running ?? assert.fail("the emulator starts in beforeAll");

  beforeAll(async () => {
    const emulator = await startEmulator({ port: 0 });
    running = { emulator, admin: emulatorAdmin(emulator.url) };
  });
  afterAll(() => running?.emulator.close());

  const api = (method: string, path: string, options?: CallOptions): Promise<CallResult> =>
    call(started().emulator.url, method, path, options);

  return {
    get url() {
      return started().emulator.url;
    },
    get admin() {
      return started().admin;
    },
    api,

    /** Registers a fresh org with no assistants and returns its key. */
    async newOrg() {
      return (await started().admin.registerOrg()).privateKey;
    },

    /** POSTs an assistant, expecting 201. */
    async create(key: string, body: Record<string, unknown>) {
      const result = await api("POST", "/assistant", { key, body });
      expect(result.status).toBe(201);
      return assistantSchema.parse(result.json);
    },

    /** Sends a request expecting Vapi's 400 with a message array, and returns the messages. */
    async badRequestMessages(key: string, method: string, path: string, body: unknown): Promise<string[]> {
      const result = await api(method, path, { key, body });
      expect(result.status).toBe(400);
      const error = errorSchema.parse(result.json);
      expect(error).toMatchObject({ error: "Bad Request", statusCode: 400 });
      expect(Array.isArray(error.message)).toBe(true);
      return [error.message].flat();
    },
  };
}
