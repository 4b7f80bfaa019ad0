import { type Schema, Validator } from "@cfworker/json-schema";
import { exports } from "cloudflare:workers";
import { afterAll } from "vitest";
import { z } from "zod";

// Every response a Worker test receives is checked against the OpenAPI document the Worker
// serves: the status is declared for the operation, declared headers are present (and the
// cache's own headers are not sent undeclared), and the body matches the declared schema.

const SchemaObject = z.record(z.string(), z.unknown());
const ResponseSpec = z.object({
  headers: z.record(z.string(), z.object({ required: z.boolean().optional(), schema: SchemaObject.optional() })).optional(),
  content: z.record(z.string(), z.object({ schema: SchemaObject })).optional(),
});
type ResponseSpec = z.infer<typeof ResponseSpec>;
const Document = z.object({
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.object({ schemas: z.record(z.string(), SchemaObject) }),
});
const Operation = z.object({
  parameters: z.array(z.object({ name: z.string(), in: z.string(), schema: SchemaObject })).optional(),
  responses: z.record(z.string(), ResponseSpec),
});
type Document = z.infer<typeof Document>;

// Served beside the document, not described by it (Swagger UI, the dashboard page).
const UNDOCUMENTED = /^\/(openapi\.json|docs|app)(\/|$)/;
// Headers the document must declare wherever they are sent.
const CHECKED_HEADERS = ["Cache-Status", "Server-Timing", "Retry-After", "WWW-Authenticate", "ETag", "Idempotent-Replayed"];

let doc: Promise<Document> | undefined;
const validators = new Map<string, Validator>();
let validated = 0;

function loadDocument() {
  doc ??= exports.default
    .fetch(new Request("http://cache.test/openapi.json"))
    .then(async (res) => Document.parse(await res.json()));
  return doc;
}

function validatorFor(key: string, schema: Record<string, unknown>, d: Document) {
  let v = validators.get(key);
  if (!v) {
    // `#/components/...` references resolve against this root; the validator marks the objects it sees, hence the copy.
    const root = structuredClone({ allOf: [schema], components: d.components });
    validators.set(key, (v = new Validator(root as Schema, "2020-12", false)));
  }
  return v;
}

interface Declared {
  spec: ResponseSpec;
  /** Names the declared response, for caching its validators. */
  key: string;
  /** Path parameters as sent, with the schema the document gives each. */
  params: { name: string; value: string; schema: Record<string, unknown> }[];
}

const envelope = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };
// The exact Allow value is asserted where 405 is tested; here it must be there, in the envelope.
const methodNotAllowed: ResponseSpec = {
  headers: { Allow: { required: true, schema: { type: "string", minLength: 1 } } },
  content: envelope,
};

/** The declared response for this request and status, or why there is none. */
function declared(d: Document, method: string, path: string, status: number): Declared | string {
  let otherMethod = false;
  for (const [template, item] of Object.entries(d.paths)) {
    const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const match = new RegExp(`^${template.replace(/\{[^}]+\}/g, "([^/]+)")}$`).exec(path);
    if (!match) continue;
    if (item[method] === undefined) {
      // Another template may take this method (`/assistants/events` is also `/assistants/{id}`).
      otherMethod = true;
      continue;
    }
    const op = Operation.parse(item[method]);
    const spec = op.responses[String(status)];
    if (!spec) return `${status} is not declared for ${method.toUpperCase()} ${template}`;
    const params = names.flatMap((name, i) => {
      const schema = op.parameters?.find((p) => p.in === "path" && p.name === name)?.schema;
      return schema ? [{ name, value: decodeURIComponent(match[i + 1]!), schema }] : [];
    });
    return { spec, key: `${method} ${template} ${status}`, params };
  }
  // A documented path, another method: only 405 with Allow, in the error envelope.
  if (otherMethod && status === 405) return { spec: methodNotAllowed, key: `405 ${path}`, params: [] };
  // No operation: only the route fallback, a 404 in the error envelope, is expected.
  if (status !== 404) return `${method.toUpperCase()} ${path} is not in the document, yet answered ${status}`;
  return { spec: { content: envelope }, key: "fallback 404", params: [] };
}

/**
 * A request the Worker accepted must be valid by the document too, or a validating proxy or
 * gateway in front of the Worker would refuse it (as it did every id while the pattern carried `/i`).
 */
function checkParams(found: Declared, res: Response, d: Document): string[] {
  if (!res.ok) return [];
  return found.params
    .filter((p) => !validatorFor(`${found.key} param ${p.name}`, p.schema, d).validate(p.value).valid)
    .map((p) => `the Worker accepted ${p.name}=${p.value}, which the document's schema for it refuses`);
}

function check(spec: ResponseSpec, res: Response, body: string, d: Document, key: string): string[] {
  const problems: string[] = [];
  const headers = spec.headers ?? {};
  for (const [name, h] of Object.entries(headers)) {
    const value = res.headers.get(name);
    if (value === null) {
      if (h.required) problems.push(`header ${name} is required`);
    } else if (h.schema && !validatorFor(`${key} ${name}`, h.schema, d).validate(value).valid) {
      problems.push(`header ${name}: ${value} does not match its schema`);
    }
  }
  for (const name of CHECKED_HEADERS) {
    const isDeclared = Object.keys(headers).some((h) => h.toLowerCase() === name.toLowerCase());
    if (res.headers.has(name) && !isDeclared) problems.push(`header ${name} is sent but not declared`);
  }
  const type = res.headers.get("Content-Type")?.split(";")[0]?.trim() ?? "";
  if (!spec.content) {
    if (body !== "") problems.push("a body is sent but none is declared");
    return problems;
  }
  const media = spec.content[type];
  if (!media) return [...problems, `Content-Type ${type || "(none)"} is not declared`];
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return [...problems, "the body is not JSON"];
  }
  const result = validatorFor(`${key} ${type}`, media.schema, d).validate(json);
  for (const e of result.errors.slice(0, 5)) problems.push(`body ${e.instanceLocation}: ${e.error}`);
  return problems;
}

/** Validates `res` (a clone; the caller still reads it) against the document, or throws. */
export async function conforms(req: Request, res: Response): Promise<Response> {
  const url = new URL(req.url);
  const method = req.method.toLowerCase();
  if (UNDOCUMENTED.test(url.pathname) || res.status === 101) return res;
  const d = await loadDocument();
  const found = declared(d, method, url.pathname, res.status);
  const problems =
    typeof found === "string"
      ? [found]
      : [...checkParams(found, res, d), ...check(found.spec, res, await res.clone().text(), d, found.key)];
  if (problems.length) {
    throw new Error(`${req.method} ${url.pathname} → ${res.status} does not match /openapi.json: ${problems.join("; ")}`);
  }
  validated++;
  return res;
}

afterAll(() => {
  console.log(`openapi: ${validated} responses validated against /openapi.json`);
});
