// `npm run token -- <sub> [expiry]`: prints a dev JWT (HS256, the .dev.vars secret) on stdout.
import { SignJWT } from "jose";
import { devSecrets } from "./dev-env.ts";

/** The Worker refuses tokens living longer than this (JWT_MAX_AGE_SECONDS, default 24 h). */
export const maxAgeSeconds = () => Number(process.env.JWT_MAX_AGE_SECONDS) || 86_400;

/** Signs a dev token the local Worker accepts: by default it lives as long as the Worker allows. */
export function devToken(sub: string, expiresIn: string = `${maxAgeSeconds()}s`): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(devSecrets().JWT_SECRET));
}

if (import.meta.main) {
  const [sub, expiresIn] = process.argv.slice(2);
  if (!sub) {
    console.error(`usage: npm run token -- <sub> [expiry, e.g. 1h; at most ${maxAgeSeconds()}s]`);
    process.exit(2);
  }
  console.log(await devToken(sub, expiresIn));
}
