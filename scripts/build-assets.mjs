// Builds the Worker's static assets (wrangler.toml [assets] → dist/assets): the dashboard page
// (page/: HTML, CSS, and its TypeScript bundled by esbuild with the SDK) under app/, and the two
// Swagger UI files /docs needs, copied from the pinned swagger-ui-dist, under docs/. Nothing
// generated is committed: wrangler runs this as its [build] command before `wrangler dev`
// (npm start, the e2e stack) and `wrangler deploy` (and the bundle:check dry run), and
// vitest.config.ts runs it for the worker tests. Plain JS, like with-deps.mjs: it runs under
// whatever Node runs wrangler.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ASSETS_DIR = join(root, "dist", "assets");

export async function buildAssets() {
  const out = ASSETS_DIR;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "app"), { recursive: true });
  mkdirSync(join(out, "docs"), { recursive: true });
  for (const file of ["index.html", "app.css"]) copyFileSync(join(root, "page", file), join(out, "app", file));
  for (const file of ["swagger-ui.css", "swagger-ui-bundle.js"]) {
    copyFileSync(join(root, "node_modules", "swagger-ui-dist", file), join(out, "docs", file));
  }
  await build({
    entryPoints: [join(root, "page", "src", "main.ts")],
    outfile: join(out, "app", "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: false,
    logLevel: "error",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildAssets();
