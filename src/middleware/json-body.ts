import { createMiddleware } from "hono/factory";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../lib/errors";

/** Largest request body accepted (Vapi assistants with long prompts and tools stay well below). */
export const MAX_BODY_BYTES = 256 * 1024;

const limit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, "payload_too_large", `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
  },
});

/** Bodies of POST/PUT/PATCH must be JSON and small; anything else is refused before parsing. */
export const jsonBody = createMiddleware(async (c, next) => {
  if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return next();
  const type = c.req.header("Content-Type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, "unsupported_media_type", "Send the request body as application/json.");
  }
  return limit(c, next);
});
