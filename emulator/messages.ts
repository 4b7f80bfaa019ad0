import type { Json } from "./json.ts";

// Helpers that reproduce class-validator's default message wording.

/** Collects distinct messages (class-validator reports each constraint once per property). */
export class Messages {
  readonly list: string[] = [];
  add(message: string): void {
    if (!this.list.includes(message)) this.list.push(message);
  }
}

/** Length as validator.js's isLength counts it: a surrogate pair (emoji) is one character. */
export function textLength(text: string): number {
  const pairs = text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0;
  const selectors = text.match(/[\uFE0E\uFE0F]/g)?.length ?? 0;
  return text.length - pairs - selectors;
}

export function oneOf(values: readonly string[]): string {
  return `must be one of the following values: ${values.join(", ")}`;
}

/** Checks a number against an inclusive range with class-validator's @Min/@Max messages. */
export function checkRange(value: Json, path: string, [min, max]: readonly [number, number], out: Messages): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    out.add(`${path} must be a number conforming to the specified constraints`);
    return;
  }
  if (value < min) out.add(`${path} must not be less than ${min}`);
  if (value > max) out.add(`${path} must not be greater than ${max}`);
}
