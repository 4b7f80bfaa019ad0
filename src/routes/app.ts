import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../types";

// The dashboard page (page/, built into the static assets by scripts/build-assets.mjs): its
// HTML, one stylesheet and one script, all from this origin, so its CSP needs no inline script
// (src/middleware/browser.ts). Only these are reachable.
const FILES = ["app.js", "app.css"];

async function asset(c: Context<AppEnv>, path: string) {
  // A fetched response's headers are immutable; the security headers are added after this.
  const fetched = await c.env.ASSETS.fetch(new URL(path, c.req.url));
  const res = new Response(fetched.body, fetched);
  res.headers.set("Cache-Control", "no-cache"); // a deploy's new page is picked up at once
  return res;
}

/** GET /app: the dashboard page; it signs in with a token pasted or passed in the URL fragment. */
export const page = new Hono<AppEnv>()
  .get("/", (c) => asset(c, "/app/")) // the assets binding serves app/index.html at /app/
  .get("/:file", (c, next) => (FILES.includes(c.req.param("file")) ? asset(c, `/app/${c.req.param("file")}`) : next()));
