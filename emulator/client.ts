import { z } from "zod";

// A small fetch-only client for the emulator (runs in Node and in workerd), with zod schemas
// for what it answers. Tests and benchmarks use it instead of hand-building admin calls.

export const assistantSchema = z.looseObject({
  id: z.uuid(),
  orgId: z.uuid(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  isServerUrlSecretSet: z.literal(false),
});
export type EmulatedAssistant = z.infer<typeof assistantSchema>;

/** A phone number, tool or squad: the server fields every Vapi resource has. */
export const itemSchema = z.looseObject({ id: z.uuid(), orgId: z.uuid(), createdAt: z.iso.datetime(), updatedAt: z.iso.datetime() });
export type EmulatedItem = z.infer<typeof itemSchema>;

/** The admin surface's name of each resource's collection (/__emulator/orgs/:key/<plural>). */
export type Plural = "assistants" | "phone-numbers" | "tools" | "squads";

export const errorSchema = z.object({
  message: z.union([z.string(), z.array(z.string())]),
  error: z.string(),
  statusCode: z.number(),
});

export const orgSchema = z.object({
  privateKey: z.string(),
  orgId: z.uuid(),
  assistants: z.number(),
  phoneNumbers: z.number(),
  tools: z.number(),
  squads: z.number(),
});

const countsSchema = z.record(z.string(), z.number());
export const requestStatsSchema = z.object({
  total: z.number(),
  byRoute: countsSchema,
  byKey: countsSchema,
  byKeyAndRoute: z.record(z.string(), countsSchema),
  maxInFlight: z.object({ byKey: countsSchema }),
  maxInFlightWrites: z.object({ byKey: countsSchema }),
});
export type RequestStatsView = z.infer<typeof requestStatsSchema>;

/** Body of PUT /__emulator/faults. */
export type FaultsInput = {
  latencyMs?: { min: number; max: number };
  errorRate?: number;
  errorStatus?: number;
  rateLimit?: { every: number; retryAfterSeconds?: number };
  hangRate?: number;
  routes?: string[];
  onReferencedDelete?: "keep" | "clear";
  keys?: string[];
};

export type CallOptions = { key?: string; body?: unknown; rawBody?: string; signal?: AbortSignal };
export type CallResult = { status: number; headers: Headers; json: unknown; ms: number };

/** Any HTTP call to the emulator; `json` is the parsed body (or undefined when empty). */
export async function call(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers["content-type"] = "application/json";
  const started = performance.now();
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body, signal: options.signal });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text === "" ? undefined : JSON.parse(text),
    ms: performance.now() - started,
  };
}

async function admin<T>(baseUrl: string, method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
  const result = await call(baseUrl, method, `/__emulator${path}`, { body });
  if (result.status >= 300) throw new Error(`${method} /__emulator${path}: ${result.status} ${JSON.stringify(result.json)}`);
  return schema.parse(result.json);
}

/** The admin surface, bound to one emulator. */
export function emulatorAdmin(baseUrl: string) {
  const orgPath = (key: string, plural: Plural = "assistants") => `/orgs/${encodeURIComponent(key)}/${plural}`;
  return {
    reset: () => admin(baseUrl, "POST", "/reset", z.unknown()),
    /** Registers an org; a random key unless one is given. */
    registerOrg: (options: { privateKey?: string; assistants?: number; phoneNumbers?: number; tools?: number; squads?: number } = {}) =>
      admin(baseUrl, "POST", "/orgs", orgSchema, { ...options, privateKey: options.privateKey ?? `test-key-${crypto.randomUUID()}` }),
    deleteOrg: (key: string) => admin(baseUrl, "DELETE", `/orgs/${encodeURIComponent(key)}`, orgSchema),
    assistants: (key: string) => admin(baseUrl, "GET", orgPath(key), z.array(assistantSchema)),
    /** Creates an assistant in the org as Vapi's own dashboard would (not counted, no validation). */
    createBehindBack: (key: string, body: Record<string, unknown> = {}) =>
      admin(baseUrl, "POST", orgPath(key), assistantSchema, body),
    patchBehindBack: (key: string, id: string, patch: Record<string, unknown>) =>
      admin(baseUrl, "PATCH", `${orgPath(key)}/${id}`, assistantSchema, patch),
    deleteBehindBack: (key: string, id: string) => admin(baseUrl, "DELETE", `${orgPath(key)}/${id}`, assistantSchema),
    /** Any resource's whole list, and behind-the-back writes to it (as for assistants above). */
    items: (key: string, plural: Plural) => admin(baseUrl, "GET", orgPath(key, plural), z.array(itemSchema)),
    createItemBehindBack: (key: string, plural: Plural, body: Record<string, unknown>) =>
      admin(baseUrl, "POST", orgPath(key, plural), itemSchema, body),
    patchItemBehindBack: (key: string, plural: Plural, id: string, patch: Record<string, unknown>) =>
      admin(baseUrl, "PATCH", `${orgPath(key, plural)}/${id}`, itemSchema, patch),
    deleteItemBehindBack: (key: string, plural: Plural, id: string) =>
      admin(baseUrl, "DELETE", `${orgPath(key, plural)}/${id}`, itemSchema),
    requests: () => admin(baseUrl, "GET", "/requests", requestStatsSchema),
    resetRequests: () => admin(baseUrl, "POST", "/requests/reset", requestStatsSchema),
    setFaults: (faults: FaultsInput) => admin(baseUrl, "PUT", "/faults", z.unknown(), faults),
    /** Clears one key's faults, or all of them. */
    clearFaults: (key?: string) =>
      admin(baseUrl, "DELETE", key === undefined ? "/faults" : `/faults?key=${encodeURIComponent(key)}`, z.unknown()),
  };
}
