import { Hono } from "hono";
import type { AppEnv } from "../types";

// Swagger UI from the pinned swagger-ui-dist package, served by this Worker through the static
// assets binding (wrangler.toml [assets], under docs/): no CDN, no third-party script on this origin, and
// /docs works offline. Only these files are reachable; the rest of the package is not served.
const FILES = ["swagger-ui.css", "swagger-ui-bundle.js"];

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vapi-edge-cache API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// A file, not an inline script, so the CSP needs no 'unsafe-inline' for scripts.
const INIT = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });\n`;

/** GET /docs: Swagger UI for /openapi.json. */
export const docs = new Hono<AppEnv>()
  .get("/", (c) => c.html(PAGE))
  .get("/init.js", (c) => c.body(INIT, 200, { "Content-Type": "text/javascript; charset=utf-8" }))
  .get("/:file", async (c, next) => {
    const file = c.req.param("file");
    if (!FILES.includes(file)) return next();
    // A fetched response's headers are immutable; the security headers are added after this.
    const res = await c.env.ASSETS.fetch(new URL(`/docs/${file}`, c.req.url));
    return new Response(res.body, res);
  });
