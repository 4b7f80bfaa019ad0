// Verifying a JWT (jose: base64url, two JSON parses, the HMAC or signature, the claims) is a
// hit's largest single cost in the Worker after Hono; a dashboard sends the same token with every
// request until it expires. So an isolate remembers the tokens it verified, briefly and bounded.

/** Most tokens remembered per isolate; the least recently used goes first. */
export const TOKEN_CACHE_ENTRIES = 1000;

interface Verified {
  sub: string;
  /** The token's `exp` (unix seconds): the entry is never used at or after it. */
  exp: number;
}

/**
 * Tokens this isolate verified, keyed by the SHA-256 of the verification policy and the token
 * (so the token itself is not kept, and a change of secret, issuer, audience or maximum age
 * misses). Only successes are stored; a token that failed is verified in full every time.
 */
export class TokenCache {
  private readonly entries = new Map<string, Verified>();

  constructor(private readonly capacity = TOKEN_CACHE_ENTRIES) {}

  /** The key of `token` under `policy` (what verification depends on besides the token). */
  static async key(policy: string, token: string): Promise<string> {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${policy}\n${token}`));
    return String.fromCharCode(...new Uint8Array(digest));
  }

  /** The user id of a token verified before, if it has not expired by `nowSeconds`. */
  get(key: string, nowSeconds: number): string | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    // Past `exp` it is not used, even inside the clock tolerance: verification decides that again.
    // guard: token-cache-serves-expired-tokens
    if (nowSeconds >= hit.exp) return undefined;
    this.entries.set(key, hit); // most recently used last
    return hit.sub;
  }

  /** Remembers a token that passed verification (one inside the clock tolerance past `exp` is not kept). */
  set(key: string, sub: string, exp: number, nowSeconds: number) {
    this.entries.delete(key);
    if (nowSeconds >= exp) return;
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { sub, exp });
  }
}
