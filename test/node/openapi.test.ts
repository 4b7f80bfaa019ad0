import { getTotals, lintFromString, loadConfig } from "@redocly/openapi-core";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

// The Worker's sources are typechecked with workerd's types (tsconfig.json); here they only run.
const appPath = "../../src/app";
const { default: app } = (await import(appPath)) as { default: { request(path: string): Response | Promise<Response> } };

/** The document exactly as GET /openapi.json serves it. */
const served = async () => (await app.request("/openapi.json")).text();

describe("GET /openapi.json, as dashboard developers' tools meet it", () => {
  it("passes Redocly's recommended rules (redocly.yaml) with no errors or warnings", async () => {
    const config = await loadConfig({ configPath: "redocly.yaml" });
    // The name the lint-ignore file (.redocly.lint-ignore.yaml) knows the document by.
    const problems = await lintFromString({ source: await served(), absoluteRef: resolve("openapi.json"), config });
    const totals = getTotals(problems);
    console.log(`redocly lint: ${totals.errors} errors, ${totals.warnings} warnings, ${totals.ignored} ignored`);
    const found = problems
      .filter((p) => !p.ignored)
      .map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
    expect(found).toEqual([]);
  });

  const dir = mkdtempSync(join(tmpdir(), "openapi-client-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("generates TypeScript types (openapi-typescript) that a typed call site compiles against", async () => {
    writeFileSync(join(dir, "api.ts"), astToString(await openapiTS(await served())));
    copyFileSync("test/node/fixtures/dashboard-client.ts", join(dir, "client.ts"));
    const program = ts.createProgram([join(dir, "client.ts")], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ["lib.es2023.d.ts"],
      types: [],
      skipLibCheck: true,
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);
  }, 30_000);
});
