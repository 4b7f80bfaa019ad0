import { formatProblems, getTotals, lintFromString, loadConfig } from "@redocly/openapi-core";
import { resolve } from "node:path";
import { expect, it } from "vitest";

// The Worker's sources are typechecked with workerd's types (tsconfig.json); here they only run.
const appPath = "../../src/app";
const { default: app } = (await import(appPath)) as { default: { request(path: string): Response | Promise<Response> } };

it("probe", async () => {
  const res = await app.request("/openapi.json");
  const source = await res.text();
  const config = await loadConfig({ configPath: "redocly.yaml" });
  const problems = await lintFromString({ source, absoluteRef: resolve("openapi.json"), config });
  formatProblems(problems, { format: "json", totals: getTotals(problems), version: "x" });
  console.log(JSON.stringify(getTotals(problems)));
  expect(getTotals(problems).errors).toBe(0);
});
