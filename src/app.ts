import { methodNotAllowed } from "hono/method-not-allowed";
import { auth } from "./middleware/auth";
import { corsPolicy, securityHeaders } from "./middleware/browser";
import { jsonBody } from "./middleware/json-body";
import { requestLog } from "./middleware/request-log";
import { serverTimingTotal } from "./middleware/server-timing";
import { notAllowed, notFound, onError } from "./lib/errors";
import { document } from "./lib/openapi";
import { router } from "./lib/router";
import { assistants } from "./routes/assistants";
import { phoneNumbers } from "./routes/phone-numbers";
import { squads } from "./routes/squads";
import { tools } from "./routes/tools";
import { assistantEvents, events } from "./routes/events";
import { page } from "./routes/app";
import { docs } from "./routes/docs";
import { health } from "./routes/health";
import { cache } from "./routes/stats";
import { settings } from "./routes/settings";

const app = router();

// guard: request-log
// Server-Timing's total inside the log line's timing, so the line carries it.
app.use(requestLog, serverTimingTotal, securityHeaders, methodNotAllowed({ app, onMethodNotAllowed: notAllowed }));

app.route("/", health);
app.doc31("/openapi.json", document);
app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
app.route("/docs", docs);
app.route("/app", page);

// The events socket authenticates itself (a browser cannot send Authorization on a WebSocket).
app.route("/api/events", events);
app.route("/api/assistants/events", assistantEvents);
app.use("/api/*", corsPolicy, auth, jsonBody);
app.route("/api/assistants", assistants);
app.route("/api/phone-numbers", phoneNumbers);
app.route("/api/tools", tools);
app.route("/api/squads", squads);
app.route("/api/settings", settings);
app.route("/api/cache", cache);

app.onError(onError);
app.notFound(notFound);

export default app;
