import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import { configFor } from "../../core/config";
import { ApiError } from "../../core/errors";
import { TokenCache } from "./token-cache";

/** Clock skew allowed on `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** Longest token accepted; far above any real JWT, far below what would cost CPU to parse. */
export const MAX_TOKEN_CHARS = 8192;
/** Longest user id (`sub`) accepted. */
export const MAX_SUB_CHARS = 255;
const HMAC_ALGS = ["HS256"];
const JWKS_ALGS = ["RS256", "ES256"];
const REALM = 'Bearer realm="vapi-edge-cache"';

// One JWKS fetcher per URL and isolate, so keys are cached across requests (jose refreshes them).
const jwksSets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
// The HMAC key is imported once per isolate, not on every request.
const hmacKeys = new Map<string, Promise<CryptoKey>>();
// Tokens this isolate verified (token-cache.ts): a dashboard sends one token with every request.
const verified = new TokenCache();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    hmacKeys.set(secret, key);
  }
  return key;
}

function signature(token: string, env: Env): Promise<{ payload: JWTPayload }> {
  const options = {
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    issuer: env.JWT_ISSUER || undefined,
    audience: env.JWT_AUDIENCE || undefined,
    requiredClaims: ["exp", "sub"],
  };
  if (env.JWT_JWKS_URL) {
    let jwks = jwksSets.get(env.JWT_JWKS_URL);
    if (!jwks) jwksSets.set(env.JWT_JWKS_URL, (jwks = createRemoteJWKSet(new URL(env.JWT_JWKS_URL))));
    return jwtVerify(token, jwks, { ...options, algorithms: JWKS_ALGS });
  }
  if (!env.JWT_SECRET) throw new Error("neither JWT_SECRET nor JWT_JWKS_URL is configured");
  // guard: jwt-verify
  return hmacKey(env.JWT_SECRET).then((key) => jwtVerify(token, key, { ...options, algorithms: HMAC_ALGS }));
}

const CLAIM_NAMES: Record<string, string> = { sub: "subject (sub)", exp: "expiry (exp)" };

function reason(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "The token has expired.";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === "missing") return `The token has no ${CLAIM_NAMES[err.claim] ?? `"${err.claim}"`} claim.`;
    if (err.claim === "nbf") return "The token is not valid yet.";
    return `The token's "${err.claim}" claim is not accepted.`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return "The token's signing algorithm is not accepted.";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "The token's signature is not valid.";
  if (err instanceof errors.JWKSNoMatchingKey) return "The token was signed by an unknown key.";
  if (err instanceof errors.JOSEError) return "The token is malformed.";
  throw err;
}

/** 401 with RFC 6750's challenge: `error="invalid_token"` only when a token was sent. */
export const unauthorized = (message: string, tokenSent: boolean) =>
  new ApiError(401, "unauthorized", message, {
    "WWW-Authenticate": tokenSent ? `${REALM}, error="invalid_token"` : REALM,
  });

const invalid = (message: string) => unauthorized(message, true);

/**
 * The one token policy, for every way a token arrives (the Authorization header now, the
 * WebSocket's `Sec-WebSocket-Protocol` or `?token=` later): pinned algorithms, `exp` and `sub`
 * required, `nbf` honoured, `iat` not in the future, and no token living longer than
 * JWT_MAX_AGE_SECONDS (RFC 8725). Returns the user id; throws a 401 ApiError. A token this isolate
 * verified before under the same settings is answered from memory until its `exp` (token-cache.ts).
 */
export async function verifyToken(token: string, env: Env): Promise<string> {
  if (token.length > MAX_TOKEN_CHARS) throw invalid("The token is too large.");
  const maxAge = configFor(env).jwtMaxAgeSeconds;
  // Everything the verdict depends on besides the token and the clock.
  const policy = JSON.stringify([env.JWT_JWKS_URL, env.JWT_SECRET, env.JWT_ISSUER, env.JWT_AUDIENCE, maxAge]);
  const key = await TokenCache.key(policy, token);
  const known = verified.get(key, Date.now() / 1000);
  if (known !== undefined) return known;
  const { sub, exp } = await verifyInFull(token, env, maxAge);
  verified.set(key, sub, exp, Date.now() / 1000);
  return sub;
}

/** jose's verification and the policy's own checks; the token's `sub` and `exp`. */
async function verifyInFull(token: string, env: Env, maxAge: number): Promise<{ sub: string; exp: number }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await signature(token, env));
  } catch (err) {
    throw invalid(reason(err));
  }
  const now = Math.floor(Date.now() / 1000);
  const { iat, exp } = payload;
  if (iat !== undefined && iat > now + CLOCK_TOLERANCE_SECONDS) throw invalid("The token was issued in the future.");
  // Without `iat` the lifetime left is what counts: a token may never outlive the maximum.
  if (exp! - (iat ?? now) > maxAge) {
    throw invalid("The token lives longer than this service accepts; ask for a shorter-lived token.");
  }
  const sub = payload.sub;
  if (typeof sub !== "string" || sub.length === 0) throw invalid("The token has no subject (sub) claim.");
  // The sub names the user's Durable Object and keys every D1 row: bounded like any identifier.
  // guard: jwt-sub-of-any-length
  if (sub.length > MAX_SUB_CHARS) throw invalid(`The token's subject (sub) is longer than ${MAX_SUB_CHARS} characters.`);
  return { sub, exp: exp! };
}
