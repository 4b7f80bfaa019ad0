/** What a validator is computed from: a version and its serialization. */
interface Versioned {
  version: number;
  json: string;
}

// Entries are replaced on every change of version (only `cachedAt` moves in place, and the tag does
// not depend on it): memoizing by identity computes each validator once per version, so a hit only
// looks one up.
const tags = new WeakMap<Versioned, string>();

/** FNV-1a over UTF-16 code units: cheap, synchronous, and enough to tell versions apart. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/**
 * The strong validator of one item: its version (Vapi's `updatedAt`, ms) plus a hash of its JSON, so two
 * versions written in the same millisecond still differ.
 */
export function etagOf(entry: Versioned): string {
  let tag = tags.get(entry);
  if (tag === undefined) tags.set(entry, (tag = `"${entry.version.toString(36)}-${fnv1a(entry.json)}"`));
  return tag;
}

/** The validator of a list answer: a hash of the exact set, order and versions, kept per list change. */
export class ListEtag {
  private json: string | undefined;
  private tag = "";

  of(listJson: string): string {
    // The hot layer hands back the same string until the list changes, so this is a pointer check on a hit.
    if (listJson !== this.json) {
      this.json = listJson;
      this.tag = `"l${listJson.length.toString(36)}-${fnv1a(listJson)}"`;
    }
    return this.tag;
  }
}

/** RFC 9110 §13.1.1/§13.1.2: does a list of entity tags (or `*`) name `current`? Weak tags never match If-Match. */
export function matches(header: string, current: string | undefined, weak: boolean): boolean {
  if (current === undefined) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((raw) => {
    const t = raw.trim();
    return t === current || (weak && t.startsWith("W/") && t.slice(2) === current);
  });
}
