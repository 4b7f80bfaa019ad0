// `npm run token -- <sub> [expiry]`: prints a dev JWT (HS256, the .dev.vars secret) on stdout.
import { SignJWT } from "jose";
import { devSecrets } from "./dev-env.ts";

/** Signs a dev token the local Worker accepts. */
export function devToken(sub: string, expiresIn = "30d"): Promise<string> {
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
    console.error("usage: npm run token -- <sub> [expiry, e.g. 1h or 30d]");
    process.exit(2);
  }
  console.log(await devToken(sub, expiresIn));
}
