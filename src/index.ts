import { methodNotAllowed } from "hono/method-not-allowed";
import { auth } from "./middleware/auth";
import { corsPolicy, securityHeaders } from "./middleware/browser";
import { jsonBody } from "./middleware/json-body";
import { requestLog } from "./middleware/request-log";
import { notAllowed, notFound, onError } from "./lib/errors";
import { router } from "./lib/validation";
import { assistants } from "./routes/assistants";
import { docs } from "./routes/docs";
import { cache } from "./routes/stats";
import { settings } from "./routes/settings";

export { UserCacheCoordinator } from "../durable-objects/coordinator";

const app = router();

app.use(requestLog, securityHeaders, methodNotAllowed({ app, onMethodNotAllowed: notAllowed }));

app.get("/healthz", (c) => c.json({ status: "ok" }));
app.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: {
    title: "vapi-edge-cache",
    version: "0.1.0",
    description: "A per-user cache in front of the Vapi assistant API. Every /api route needs a Bearer JWT.",
  },
  security: [{ bearer: [] }],
});
app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
app.route("/docs", docs);

app.use("/api/*", corsPolicy, auth, jsonBody);
app.route("/api/assistants", assistants);
app.route("/api/settings", settings);
app.route("/api/cache", cache);

app.onError(onError);
app.notFound(notFound);

export default app;
