import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../types";
import { ApiError } from "../../core/errors";
import { PRECONDITION_HEADERS } from "./openapi";

const describe = (error: z.ZodError) =>
  error.issues
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");

/** What was wrong, by the part of the request that failed; a path parameter's code is the route's. */
function codeOf(target: string, error: z.ZodError, paramCode: string) {
  if (target === "param") return paramCode;
  if (target === "header" && error.issues.every((i) => PRECONDITION_HEADERS.has(String(i.path[0])))) return "invalid_precondition";
  if (target === "header" && error.issues.every((i) => i.path[0] === "idempotency-key")) return "invalid_idempotency_key";
  return "invalid_request";
}

/**
 * A router whose request validation failures become the one error envelope (400). `paramCode`:
 * the code of a bad path parameter (a resource's routes pass its descriptor's `codes.invalidId`).
 */
export const router = (paramCode = "invalid_request") =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError(400, codeOf(result.target, result.error, paramCode), describe(result.error));
      }
    },
  });
