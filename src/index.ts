import { swaggerUI } from "@hono/swagger-ui";
import { auth } from "./middleware/auth";
import { jsonBody } from "./middleware/json-body";
import { requestLog } from "./middleware/request-log";
import { notFound, onError } from "./lib/errors";
import { router } from "./lib/validation";
import { assistants } from "./routes/assistants";
import { cache } from "./routes/stats";
import { settings } from "./routes/settings";

export { UserCacheCoordinator } from "../durable-objects/coordinator";

const app = router();

app.use(requestLog);

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
app.get("/docs", swaggerUI({ url: "/openapi.json" }));

app.use("/api/*", auth, jsonBody);
app.route("/api/assistants", assistants);
app.route("/api/settings", settings);
app.route("/api/cache", cache);

app.onError(onError);
app.notFound(notFound);

export default app;
