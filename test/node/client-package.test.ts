import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(".");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

// Children must not inherit `npm test`'s own npm settings (npm_config_local_prefix and friends
// would point an install in the temporary project back at this repository).
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
const npm = (args: string[], cwd: string) => run("npm", [...args, "--loglevel=error"], { cwd, env, maxBuffer: 16 << 20 });

/** The snippet under "Paste this" in docs/client.md, exactly as a reader copies it. */
function docsSnippet(): string {
  const doc = readFileSync(join(root, "docs", "client.md"), "utf8");
  const m = /<!-- typechecked against the packed package by test\/node\/client-package\.test\.ts -->\n```ts\n([\s\S]*?)\n```/.exec(doc);
  if (!m) throw new Error("docs/client.md has no marked snippet");
  return m[1]!;
}

describe("the client SDK as a dashboard installs it (@vapi-edge-cache/client)", () => {
  const dir = mkdtempSync(join(tmpdir(), "client-package-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("packs only its built files, installs offline into an empty project, loads, and the docs' snippet typechecks against it", async () => {
    // `prepack` builds dist/ with the root's tsc.
    const packed = await npm(["pack", "-w", "@vapi-edge-cache/client", "--pack-destination", dir, "--json"], root);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path).sort();
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    expect(files.filter((f) => !f.startsWith("dist/"))).toEqual(["README.md", "package.json"]);

    const app = join(dir, "dashboard");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "dashboard", private: true, type: "module" }));
    // No dependencies: nothing to fetch from a registry.
    await npm(["install", "--offline", "--no-audit", "--no-fund", join(dir, info!.filename)], app);
    const installed = JSON.parse(readFileSync(join(app, "node_modules/@vapi-edge-cache/client/package.json"), "utf8")) as Record<string, unknown>;
    expect(installed.dependencies).toBeUndefined();

    // It runs as plain ES modules, outside any bundler.
    const probe = "const m = await import('@vapi-edge-cache/client'); console.log(typeof m.createCacheClient, typeof m.ConflictError, m.CLOSE_TOO_MANY_SOCKETS)";
    const loaded = await run(process.execPath, ["--input-type=module", "-e", probe], { cwd: app, env });
    expect(loaded.stdout.trim()).toBe("function function 4429");

    writeFileSync(join(app, "snippet.ts"), docsSnippet());
    for (const [moduleKind, resolution] of [["es2022", "bundler"], ["nodenext", "nodenext"]]) {
      const config = {
        compilerOptions: {
          strict: true,
          noUncheckedIndexedAccess: true,
          noEmit: true,
          target: "es2022",
          module: moduleKind,
          moduleResolution: resolution,
          lib: ["es2022", "dom"],
          types: [],
          skipLibCheck: false, // the packed .d.ts files are checked too
        },
        files: ["snippet.ts"],
      };
      writeFileSync(join(app, "tsconfig.json"), JSON.stringify(config));
      const checked = await run(process.execPath, [tsc, "-p", app], { cwd: app, env }).catch((e: { stdout: string }) => e);
      expect(checked.stdout, `moduleResolution ${resolution}`).toBe("");
    }
  }, 120_000);
});
