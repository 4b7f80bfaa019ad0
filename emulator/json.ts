/** A JSON value as parsed from a request body. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export type JsonObject = { [key: string]: Json };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A deep copy, so callers never share (and mutate) the emulator's stored objects. */
export function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}
