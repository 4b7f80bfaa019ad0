// `npm run deps:check` (part of `npm test`): the layers of docs/architecture.md, checked.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import cycle means two modules are one idea, or a layer runs both ways.",
      from: {},
      to: { circular: true },
    },
    {
      name: "durable-objects-not-to-http",
      severity: "error",
      comment:
        "The Durable Object, and the D1 statements and Vapi client it uses, know nothing of the Worker's HTTP layer: share through core/.",
      from: { path: "^(durable-objects|src/(db|vapi))/" },
      to: { path: ["^src/(lib|routes|middleware)/", "^src/(app|index|types)\\.ts$", "(^|/)node_modules/(hono|@hono)/"] },
    },
    {
      name: "src-to-do-only-via-contract",
      severity: "error",
      comment: "The Worker uses the Durable Object through its exported class (src/index.ts) and the RPC contract only.",
      from: { path: "^src/", pathNot: "^src/index\\.ts$" },
      to: { path: "^durable-objects/", pathNot: "^durable-objects/contract\\.ts$" },
    },
    {
      name: "core-has-no-framework",
      severity: "error",
      comment: "core/ is what both sides share: no HTTP framework, no Workers runtime, no other layer.",
      from: { path: "^core/" },
      to: { path: ["^src/", "^durable-objects/", "(^|/)node_modules/(hono|@hono)/", "^cloudflare:"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(test|bench|emulator|scripts|packages)/" },
  },
};
