// The pages a browser test opens: one HTML page that loads the SDK, bundled for the browser as a
// dashboard would bundle it (esbuild, ESM), served by a small static server on loopback. Two of
// them run, on two ports: two origins, one of which the stack's CORS_ORIGINS allows.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { build } from "esbuild";

/** The SDK's entry point, bundled into the page. */
export const SDK_ENTRY = join(import.meta.dirname, "../../packages/client/src/index.ts");

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>vapi-edge-cache e2e</title>
<script type="module">
  import * as sdk from "/sdk.js";
  window.sdk = sdk;
</script>
`;

export async function bundleSdk(): Promise<string> {
  const { outputFiles } = await build({
    entryPoints: [SDK_ENTRY],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "error",
  });
  return outputFiles[0]!.text;
}

export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves the page at / and the bundle at /sdk.js on a free loopback port; anything else is 404. */
export async function servePage(sdk: string): Promise<PageServer> {
  const files: Record<string, [string, string]> = {
    "/": ["text/html; charset=utf-8", PAGE],
    "/sdk.js": ["text/javascript; charset=utf-8", sdk],
  };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? "/", "http://x").pathname];
    res.writeHead(file ? 200 : 404, { "Content-Type": file?.[0] ?? "text/plain", "Cache-Control": "no-store" });
    res.end(file?.[1] ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
