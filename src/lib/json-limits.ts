import { ApiError } from "../../core/errors";

/** Deepest nesting of objects and arrays accepted in a request body (Vapi assistants need ~15). */
export const MAX_JSON_DEPTH = 64;
/** Most object keys, all levels together, accepted in a request body. */
export const MAX_JSON_KEYS = 10_000;

// Keys that walk into Object.prototype when code merges (`target[key] = …`) or looks up a key
// the target does not own (`target.constructor.prototype`). Vapi's schema uses none of them.
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

const QUOTE = 34;
const BACKSLASH = 92;
const OPENERS = new Set([91, 123]); // [ {
const CLOSERS = new Set([93, 125]); // ] }

/**
 * Parses a request body as JSON within limits, without recursion, so that nothing recursive
 * (zod, the merge patch, JSON.stringify towards Vapi) ever sees a hostile shape: too deep, too
 * many keys, a number JSON.parse turns into ±Infinity (which would reach Vapi as `null`, i.e.
 * "remove this field"), or a key that reaches object prototypes.
 */
export function parseJsonBody(text: string): unknown {
  assertDepth(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
  }
  assertValues(value);
  return value;
}

/** Nesting depth measured on the text, before the parser builds anything. */
function assertDepth(text: string) {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      // guard: depth-scan-ignores-escapes-in-strings
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) inString = false;
    } else if (ch === QUOTE) inString = true;
    else if (OPENERS.has(ch)) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new ApiError(400, "json_too_deep", `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
      }
    } else if (CLOSERS.has(ch)) depth--;
  }
}

/** One pass over the parsed value with an explicit stack: key count, key names, finite numbers. */
function assertValues(root: unknown) {
  const stack = [root];
  let keys = 0;
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === "number" && !Number.isFinite(v)) {
      throw new ApiError(400, "invalid_number", "The request body holds a number out of range (e.g. 1e400).");
    }
    if (typeof v !== "object" || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item); // not push(...v): a long array overflows the arguments
      continue;
    }
    for (const [key, child] of Object.entries(v)) {
      if (++keys > MAX_JSON_KEYS) {
        throw new ApiError(400, "json_too_many_keys", `The request body has more than ${MAX_JSON_KEYS} keys.`);
      }
      if (FORBIDDEN_KEYS.has(key)) {
        throw new ApiError(400, "forbidden_key", `The request body may not use the key "${key}".`);
      }
      stack.push(child);
    }
  }
}
