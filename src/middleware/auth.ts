import { createMiddleware } from "hono/factory";
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import { ensureUser } from "../db/users";
import { ApiError } from "../lib/errors";
import type { AppEnv } from "../types";

const CLOCK_TOLERANCE_SECONDS = 30;
const HMAC_ALGS = ["HS256"];
const JWKS_ALGS = ["RS256", "ES256"];

// One JWKS fetcher per URL and isolate, so keys are cached across requests (jose refreshes them).
const jwksSets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
// The HMAC key is imported once per isolate, not on every request.
const hmacKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    hmacKeys.set(secret, key);
  }
  return key;
}

function verify(token: string, env: Env): Promise<{ payload: JWTPayload }> {
  const options = {
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    issuer: env.JWT_ISSUER || undefined,
    audience: env.JWT_AUDIENCE || undefined,
  };
  if (env.JWT_JWKS_URL) {
    let jwks = jwksSets.get(env.JWT_JWKS_URL);
    if (!jwks) jwksSets.set(env.JWT_JWKS_URL, (jwks = createRemoteJWKSet(new URL(env.JWT_JWKS_URL))));
    return jwtVerify(token, jwks, { ...options, algorithms: JWKS_ALGS });
  }
  if (!env.JWT_SECRET) throw new Error("neither JWT_SECRET nor JWT_JWKS_URL is configured");
  return hmacKey(env.JWT_SECRET).then((key) => jwtVerify(token, key, { ...options, algorithms: HMAC_ALGS }));
}

function reason(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "The token has expired.";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "nbf") return "The token is not valid yet.";
    return `The token's "${err.claim}" claim is not accepted.`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return "The token's signing algorithm is not accepted.";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "The token's signature is not valid.";
  if (err instanceof errors.JWKSNoMatchingKey) return "The token was signed by an unknown key.";
  if (err instanceof errors.JOSEError) return "The token is malformed.";
  throw err;
}

export const unauthorized = (message: string) =>
  new ApiError(401, "unauthorized", message, { "WWW-Authenticate": 'Bearer error="invalid_token"' });


/** Verifies a JWT by the service's rules (pinned algorithms, `sub` required), provisions its user, returns `sub`. */
export async function authenticate(token: string, env: Env): Promise<string> {
  let payload: JWTPayload;
  try {
    ({ payload } = await verify(token, env));
  } catch (err) {
    throw unauthorized(reason(err));
  }
  if (typeof payload.sub !== "string" || payload.sub.length === 0 || payload.sub.length > 255) {
    throw unauthorized("The token has no subject (sub) claim.");
  }
  await ensureUser(env.DB, payload.sub);
  return payload.sub;
}

/** Verifies the JWT, pins its algorithm, requires `sub`, provisions the user. */
export const auth = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization");
  if (!header) throw unauthorized("Send an Authorization: Bearer <token> header.");
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!token) throw unauthorized("The Authorization header must be 'Bearer <token>'.");
  c.set("userId", await authenticate(token, c.env));
  await next();
});
