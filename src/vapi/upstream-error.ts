import { ApiError, type ErrorStatus } from "../../core/errors";

/**
 * A failure of one Vapi call. `upstreamStatus` is what Vapi answered (undefined when it never
 * answered: timeout, network); `transient` failures (429, 5xx, timeout, network) may succeed
 * on a retry and may be answered from stale data.
 */
export class UpstreamError extends ApiError {
  constructor(
    status: ErrorStatus,
    code: string,
    message: string,
    readonly upstreamStatus: number | undefined,
    headers: Record<string, string> = {},
  ) {
    super(status, code, message, headers);
  }

  get transient(): boolean {
    return this.upstreamStatus === undefined || this.upstreamStatus === 429 || this.upstreamStatus >= 500;
  }

  /** Vapi's `Retry-After` in ms (seconds form only), if it sent one. */
  get retryAfterMs(): number | undefined {
    const seconds = Number(this.headers["Retry-After"]);
    return this.headers["Retry-After"] !== undefined && Number.isFinite(seconds) ? seconds * 1000 : undefined;
  }
}

/** Whether `err` says Vapi is (for now) unavailable, rather than refusing this request. */
export const isTransient = (err: unknown): err is UpstreamError => err instanceof UpstreamError && err.transient;
