import { ApiError } from "../../core/errors";
import type { Resource, VapiItem } from "../../core/resource";
import { ListAnswer, type ListPage, pageDigest } from "./list-answer";
import { type RetryPolicy, withRetry } from "./retry";
import { ListEnvelope, VapiErrorSchema } from "./types";
import { UpstreamError } from "./upstream-error";

/** Called once per upstream request with its duration, for stats and Server-Timing. */
export type UpstreamObserver = (ms: number, ok: boolean) => void;

export interface ResourceClientOptions {
  baseUrl: string;
  privateKey: string;
  timeoutMs: number;
  observe?: UpstreamObserver;
  /** Applied to reads only: a write is never retried blindly. */
  retry?: RetryPolicy;
}

const MAX_PAGES = 1000;

/**
 * A thin client for one Vapi resource's endpoints (`resource.path`: list paging, get, create,
 * update, delete); every failure becomes an ApiError. Assistants are `new ResourceClient(assistants, …)`.
 */
export class ResourceClient<T extends VapiItem = VapiItem> {
  constructor(
    readonly resource: Resource<T>,
    private readonly opts: ResourceClientOptions,
  ) {}

  /**
   * Every item of the org: pages of `limit` until a short page (Vapi has no cursor). A page whose
   * query and bytes are those of `known` (an earlier read's pages), with every page before it
   * identical too, is not parsed: its next bound is the known one (list-answer.ts).
   */
  async listAll(pageSize: number, known?: readonly ListPage[]): Promise<ListAnswer<T>> {
    const answer = new ListAnswer<T>((text) => this.list(parseText(text, () => this.badAnswer(200))), known);
    let bound = "";
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = `${this.resource.path}?limit=${pageSize}${bound}`;
      const { text } = await this.exchange("GET", query);
      const digest = await pageDigest(query, text);
      const same = answer.knownAt(page, digest);
      if (same) {
        answer.keep(same, text);
        if (same.next === null) return answer;
        bound = same.next;
        continue;
      }
      const { items, fresh, settle } = answer.add(digest, text);
      const oldest = items.at(-1);
      if (items.length < pageSize || !oldest) return answer;
      // `createdAtLe` repeats the boundary millisecond so bulk-created items sharing it are
      // not skipped; only if a whole page shares one millisecond do we have to step past it.
      const op = fresh === 0 ? "createdAtLt" : "createdAtLe";
      bound = `&${op}=${encodeURIComponent(oldest.createdAt)}`;
      settle(bound);
    }
    throw new ApiError(502, "vapi_error", `Vapi's ${this.resource.label} list did not end.`);
  }

  /** One page of the list; also the cheapest call that proves a key is valid. */
  async listPage(limit: number): Promise<T[]> {
    return this.list(await this.send("GET", `${this.resource.path}?limit=${limit}`));
  }

  /** Items created at or after `iso` (one page: enough for the last moments). */
  async listCreatedSince(iso: string): Promise<T[]> {
    const q = `limit=1000&createdAtGe=${encodeURIComponent(iso)}`;
    return this.list(await this.send("GET", `${this.resource.path}?${q}`));
  }

  async get(id: string): Promise<T> {
    return this.item(await this.send("GET", `${this.resource.path}/${id}`));
  }

  async create(body: Record<string, unknown>): Promise<T> {
    return this.item(await this.send("POST", this.resource.path, body));
  }

  async update(id: string, body: Record<string, unknown>): Promise<T> {
    return this.item(await this.send("PATCH", `${this.resource.path}/${id}`, body));
  }

  async remove(id: string): Promise<void> {
    await this.send("DELETE", `${this.resource.path}/${id}`);
  }

  /** Vapi's list answer with every item checked by `item`, or a 502. */
  // guard: assistant-list-check
  private list(data: unknown): T[] {
    const parsed = ListEnvelope.safeParse(data);
    if (!parsed.success) throw this.badAnswer(200);
    for (const item of parsed.data) this.item(item);
    return parsed.data as T[];
  }

  /**
   * Vapi's answer if it has the fields the cache relies on, or a 502: a surprise upstream must not
   * become a 500. The object itself is returned, not zod's copy: the rest of it is Vapi's.
   */
  // guard: assistant-check
  private item(data: unknown): T {
    if (!this.resource.check(data)) throw this.badAnswer(200);
    // Credentials end here, where Vapi's answer enters the cache: no layer, event, answer or log
    // below ever holds them (docs/security.md). The object is this answer's own parse.
    // guard: secrets-pass-the-upstream-boundary
    for (const field of this.resource.secrets) delete data[field];
    return data;
  }

  private badAnswer(status?: number) {
    return badAnswer(status, this.resource.label);
  }

  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const { text, status } = await this.exchange(method, path, body);
    return parseText(text, () => this.badAnswer(status));
  }

  /** A successful answer as Vapi sent it, unparsed (reads retried under the retry policy). */
  private exchange(method: string, path: string, body?: unknown): Promise<{ text: string; status: number }> {
    const once = () => this.attempt(method, path, body);
    return method === "GET" && this.opts.retry ? withRetry(once, this.opts.retry) : once();
  }

  private async attempt(method: string, path: string, body?: unknown): Promise<{ text: string; status: number }> {
    const started = Date.now();
    let res: Response;
    try {
      res = await fetch(this.opts.baseUrl + path, {
        method,
        headers: {
          Authorization: `Bearer ${this.opts.privateKey}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      this.opts.observe?.(Date.now() - started, false);
      if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
        throw new UpstreamError(504, "vapi_timeout", `Vapi did not answer within ${this.opts.timeoutMs} ms.`, undefined);
      }
      throw new UpstreamError(502, "vapi_unreachable", "Vapi could not be reached.", undefined);
    }
    const text = await res.text();
    this.opts.observe?.(Date.now() - started, res.ok);
    if (!res.ok) throw upstreamError(this.resource, res, text);
    return { text, status: res.status };
  }
}

/** A successful answer's JSON (null when empty), or `bad()` when it is not JSON. */
function parseText(text: string, bad: () => Error): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    throw bad();
  }
}

/** A 502 for an answer that is not the resource asked for (module-level: the bench's `full-schema` variant calls it). */
function badAnswer(status?: number, name?: string) {
  const what = name === undefined ? "what was asked for" : `${/^[aeiou]/.test(name) ? "an" : "a"} ${name}`;
  return new UpstreamError(502, "vapi_error", `Vapi answered with something that is not ${what}.`, status);
}

function vapiMessage(text: string): string | undefined {
  try {
    const { message } = VapiErrorSchema.parse(JSON.parse(text));
    return Array.isArray(message) ? message.join("; ") : message;
  } catch {
    return undefined;
  }
}

function upstreamError(resource: Resource, res: Response, text: string): UpstreamError {
  const message = vapiMessage(text);
  const s = res.status;
  switch (s) {
    case 400:
    case 422:
      return new UpstreamError(400, "vapi_validation_error", message ?? "Vapi rejected the request.", s);
    case 401:
    case 403:
      return new UpstreamError(
        424,
        "vapi_key_rejected",
        "Vapi rejected the stored API key. Save a valid private key with PUT /api/settings/vapi-key.",
        s,
      );
    case 404:
      return new UpstreamError(404, resource.codes.notFound, `No ${resource.label} with that id exists in Vapi.`, s);
    case 409:
      return new UpstreamError(409, "vapi_conflict", message ?? "Vapi refused the change (conflict).", s);
    case 429: {
      const retryAfter = res.headers.get("Retry-After");
      return new UpstreamError(
        429,
        "vapi_rate_limited",
        "Vapi is rate limiting this key; retry later.",
        s,
        retryAfter ? { "Retry-After": retryAfter } : {},
      );
    }
    default:
      return new UpstreamError(502, "vapi_error", `Vapi answered with status ${s}.`, s);
  }
}
