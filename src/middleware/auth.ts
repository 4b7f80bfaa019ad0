import { createMiddleware } from "hono/factory";
import { endTime, startTime } from "hono/timing";
import { ensureUser } from "../db/users";
import { unauthorized, verifyToken } from "../lib/jwt";
import type { AppEnv } from "../types";

/** Verifies the bearer JWT (src/lib/jwt.ts has the policy) and provisions the user. */
export const auth = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization");
  if (!header) throw unauthorized("Send an Authorization: Bearer <token> header.", false);
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  // Another scheme (Basic, …) carries no bearer token, so the challenge names no error.
  if (!token) throw unauthorized("The Authorization header must be 'Bearer <token>'.", /^Bearer\b/i.test(header));
  startTime(c, "auth");
  const sub = await verifyToken(token, c.env);
  await ensureUser(c.env.DB, sub);
  endTime(c, "auth");
  c.set("userId", sub);
  await next();
});
