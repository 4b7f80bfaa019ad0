import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../types";
import { ApiError } from "../../core/errors";
import { PRECONDITION_HEADERS } from "./openapi";

const describe = (error: z.ZodError) =>
  error.issues
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");

/** What was wrong, by the part of the request that failed. */
function codeOf(target: string, error: z.ZodError) {
  if (target === "param") return "invalid_assistant_id";
  if (target === "header" && error.issues.every((i) => PRECONDITION_HEADERS.has(String(i.path[0])))) return "invalid_precondition";
  if (target === "header" && error.issues.every((i) => i.path[0] === "idempotency-key")) return "invalid_idempotency_key";
  return "invalid_request";
}

/** A router whose request validation failures become the one error envelope (400). */
export const router = () =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError(400, codeOf(result.target, result.error), describe(result.error));
      }
    },
  });
