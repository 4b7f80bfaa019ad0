import { createMiddleware } from "hono/factory";
import { bodyLimit } from "hono/body-limit";
import { matchedRoutes } from "hono/route";
import { ApiError } from "../../core/errors";
import { parseJsonBody } from "../lib/json-limits";

/** Largest request body accepted (Vapi assistants with long prompts and tools stay well below). */
export const MAX_BODY_BYTES = 256 * 1024;

const limit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, "payload_too_large", `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
  },
});

// The same media types Hono's json validator parses: a type it skips would be validated as `{}`.
const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/**
 * Bodies of POST/PUT/PATCH must be JSON, small, and within the parser limits (json-limits.ts);
 * anything else is refused before a validator or handler sees it.
 */
export const jsonBody = createMiddleware(async (c, next) => {
  if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return next();
  // A method no route takes (PUT /api/assistants/:id) is the 404 of notFound, whatever its body.
  if (!matchedRoutes(c).some((r) => r.method === c.req.method)) return next();
  if (!JSON_TYPE.test(c.req.header("Content-Type") ?? "")) {
    throw new ApiError(415, "unsupported_media_type", "Send the request body as application/json.");
  }
  return limit(c, async () => {
    const value = parseJsonBody(await c.req.text());
    // The zod validators read c.req.json(), which would parse the text again, unchecked.
    c.req.json = <T>() => Promise.resolve(value as T);
    await next();
  });
});
