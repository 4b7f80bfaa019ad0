// Memory accounting of the hot layer. See docs/architecture.md, "Memory bound".

const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * Bytes V8 uses for a string's characters: one per character when they are all Latin-1 (the
 * usual JSON of an assistant), two when any is not. `length` is cheap and the scan runs once per
 * new version or list build, never per hit; UTF-8 (what D1 and the wire carry) can differ.
 */
export const stringBytes = (s: string) => s.length * (BEYOND_LATIN1.test(s) ? 2 : 1);

/** What the hot layer's strings occupy; the parsed objects are extra and not counted here. */
export interface HotMemory {
  /** Ids held (with or without their payload). */
  entries: number;
  /** Of which with their payload (JSON and parsed object) in memory. */
  resident: number;
  /** `jsonBytes + listBytes`. */
  bytes: number;
  /** Each entry's serialized assistant. */
  jsonBytes: number;
  /** The cached list string, while built (0 when not). */
  listBytes: number;
  /** Payloads dropped under the memory budget since the coordinator started. */
  evictions: number;
}
