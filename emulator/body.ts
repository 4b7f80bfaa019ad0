import type { Context } from "hono";
import { ApiError, badRequest } from "./errors.ts";
import { type JsonObject, isJsonObject } from "./json.ts";

/**
 * Reads a JSON object body whatever the Content-Type. As with Express's body parser an empty
 * body is `{}` and malformed JSON is a 400 whose message is the parser's (a string); a body
 * that is not an object fails class-validator's unknown-value check.
 */
export async function readJsonObject(c: Context): Promise<JsonObject> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, error instanceof Error ? error.message : "Invalid JSON");
  }
  if (!isJsonObject(value)) throw badRequest(["an unknown value was passed to the validate function"]);
  return value;
}
