import { swaggerUI } from "@hono/swagger-ui";
import { auth } from "./middleware/auth";
import { jsonBody } from "./middleware/json-body";
import { requestLog } from "./middleware/request-log";
import { notFound, onError } from "./lib/errors";
import { document } from "./lib/openapi";
import { router } from "./lib/validation";
import { assistants } from "./routes/assistants";
import { assistantEvents } from "./routes/events";
import { health } from "./routes/health";
import { cache } from "./routes/stats";
import { settings } from "./routes/settings";

const app = router();

app.use(requestLog);

app.route("/", health);
app.doc31("/openapi.json", document);
app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
app.get("/docs", swaggerUI({ url: "/openapi.json" }));

// The events socket authenticates itself (a browser cannot send Authorization on a WebSocket).
app.route("/api/assistants/events", assistantEvents);
app.use("/api/*", auth, jsonBody);
app.route("/api/assistants", assistants);
app.route("/api/settings", settings);
app.route("/api/cache", cache);

app.onError(onError);
app.notFound(notFound);

export default app;
