import type { CacheAnswer, CoordinatorResult, ReadOptions } from "../core/contract";
import { CACHE, type Fwd } from "../core/cache-status";
import { ApiError, toFailure } from "../core/errors";
import type { Resource } from "../core/resource";
import { serverTiming, timed, type Timing } from "../core/timing";
import { etagOf, type ListEtag, matches } from "./etag";
import type { Entry, HotLayer } from "./hot-layer";
import { failureStatus, type Served } from "./stale-policy";

/** How a read went forward to Vapi (RFC 9211 `fwd`), for the Cache-Status of a failure too. */
export interface Trace {
  fwd: Fwd;
}

/** An expected failure as a value, with its Cache-Status and Server-Timing headers. */
export function failed(err: ApiError, trace: Trace, timing: Timing): CoordinatorResult {
  const failure = toFailure(err);
  failure.headers = {
    "Cache-Status": failureStatus(err, trace.fwd),
    ...failure.headers,
    "Server-Timing": serverTiming(timing),
  };
  return { ok: false, error: failure };
}

/** The Cache-Status detail of a read that went forward to Vapi (or joined one that did). */
export function forwarded(trace: Trace, joined: boolean): Served {
  return { cached: false, status: `fwd=${trace.fwd}; stored${joined ? "; collapsed" : ""}` };
}

/** The Cache-Status of a 404 that a list sync this read started or joined answered. */
export const notInList = (trace: Trace, joined: boolean) =>
  `${CACHE}; fwd=${trace.fwd}${joined ? "; collapsed" : ""}; detail=not-in-list`;

/**
 * The whole list as the hot layer holds it (`{"<plural>": […]}`), with each item's validator beside it (`etags`),
 * so an edit straight from the list can send If-Match. The list's own tag covers the etags: they
 * are a function of the array's payloads.
 */
export function listAnswer(hot: HotLayer, listTag: ListEtag, s: Served, timing: Timing, opts: ReadOptions): CacheAnswer {
  return timed(timing, "serialize", () => {
    const json = hot.listArrayJson();
    return readAnswer(`{"${hot.resource.plural}":${json},"etags":${hot.listEtagsJson()}`, listTag.of(json), s, timing, opts);
  });
}

/** One item (`{"<name>": …}`). */
export function oneAnswer(resource: Resource, entry: Entry, s: Served, timing: Timing, opts: ReadOptions): CacheAnswer {
  return timed(timing, "serialize", () => readAnswer(`{"${resource.name}":${entry.json}`, etagOf(entry), s, timing, opts));
}

/** 200 with the body's flags, or 304 without a body when `If-None-Match` names this version. */
function readAnswer(head: string, etag: string, s: Served, timing: Timing, opts: ReadOptions): CacheAnswer {
  const notModified = opts.ifNoneMatch !== undefined && matches(opts.ifNoneMatch, etag, true);
  const body = notModified ? "" : `${head},"cached":${s.cached}${s.stale ? `,"stale":true` : ""}}`;
  return { status: notModified ? 304 : 200, body, etag, cacheStatus: `${CACHE}; ${s.status}`, timing };
}

/** A write Vapi acknowledged. */
export function writeAnswer(status: 200 | 201, body: string, timing: Timing, etag?: string): CacheAnswer {
  return { status, body, etag, cacheStatus: `${CACHE}; fwd=method; stored`, timing };
}

/** A create's or update's answer: the item as the hot layer holds it now. */
export const writtenAnswer = (resource: Resource, status: 200 | 201, entry: Entry, timing: Timing) =>
  writeAnswer(status, `{"${resource.name}":${entry.json}}`, timing, etagOf(entry));

/** 412 with the current version, so the tab can show both and let its user choose. */
export function preconditionFailed(resource: Resource, current: Entry, timing: Timing): CacheAnswer {
  const error = `{"code":"precondition_failed","message":"The ${resource.label} changed since the version named in If-Match."}`;
  return {
    status: 412,
    body: `{"error":${error},"${resource.name}":${current.json}}`,
    etag: etagOf(current),
    cacheStatus: `${CACHE}; fwd=method; fwd-status=412`,
    timing,
  };
}

/** 404 for an item the user does not have. */
export const notFound = (resource: Resource, headers: Record<string, string> = {}) =>
  new ApiError(404, resource.codes.notFound, `No ${resource.label} with that id exists for this user.`, headers);

/** 503 for a request whose Vapi key was replaced while it ran. */
export const keyChanged = () =>
  new ApiError(503, "cache_reset", "The Vapi key changed while this request was in flight; retry.", {
    "Retry-After": "0",
  });

/** 404 for a resource name the coordinator holds no bundle for (core/resources/index.ts). */
export const unknownResource = (name: string) =>
  new ApiError(404, "unknown_resource", `This cache holds no resource named ${JSON.stringify(name)}.`);
