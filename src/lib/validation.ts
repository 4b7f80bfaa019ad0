import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../types";
import { ApiError } from "./errors";

const describe = (error: z.ZodError) =>
  error.issues
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");

/** A router whose request validation failures become the one error envelope (400). */
export const router = () =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const code = result.target === "param" ? "invalid_assistant_id" : "invalid_request";
        throw new ApiError(400, code, describe(result.error));
      }
    },
  });
