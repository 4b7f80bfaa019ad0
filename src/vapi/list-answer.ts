import type { VapiItem } from "../../core/resource";

/** One page of a complete list read: a digest of what was asked and answered, and where the next page starts. */
export interface ListPage {
  /** SHA-256 (hex) of the page's query and Vapi's raw answer text. */
  digest: string;
  /** The next page's bound query (`&createdAtLe=…`), or null: this page was the last. */
  next: string | null;
}

/** A page read: its digest and text, and its items once parsed (pages identical to a known one are not). */
interface Read<T> {
  page: ListPage;
  text: string;
  items?: T[];
}

/** SHA-256 of a page's query and answer, hex: equal digests mean the same request got the same bytes. */
export async function pageDigest(query: string, text: string): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${query}\n${text}`));
  return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A complete list read from Vapi, page by page. Pages identical to the `known` pages of an earlier
 * read (the same bytes for the same query, every page before them identical too) are kept as text
 * and parsed only if `items()` is asked for: an unchanged revalidation can be confirmed without
 * parsing, checking or applying anything (issue 23). `parse` is the client's check of one page.
 */
export class ListAnswer<T extends VapiItem = VapiItem> {
  private readonly reads: Read<T>[] = [];
  /** The items of the pages parsed so far by id, in page order: an id's first occurrence wins, as it always did. */
  private readonly seen = new Map<string, T>();
  /** A page differed from the known one: from there on every page is parsed. */
  private differs = false;

  constructor(
    private readonly parse: (text: string) => T[],
    private readonly known: readonly ListPage[] = [],
  ) {}

  /** Per page: its digest and what comes next. */
  get pages(): ListPage[] {
    return this.reads.map((r) => r.page);
  }

  /**
   * Whether the page just read at `index` is identical to the known page there while every page
   * before it was too: then its next bound is the known one, as parsing it would give.
   */
  knownAt(index: number, digest: string): ListPage | undefined {
    const k = this.known[index];
    return !this.differs && this.reads.length === index && k?.digest === digest ? k : undefined;
  }

  /** Adds a page taken as known (not parsed). */
  keep(page: ListPage, text: string) {
    this.reads.push({ page, text });
  }

  /**
   * Adds a page that differs: parses it (and every kept page before it, whose ids it needs to
   * tell how many of its items are new) and returns its items and how many were not seen before.
   */
  add(digest: string, text: string): { items: T[]; fresh: number; settle: (next: string | null) => void } {
    this.parseKept();
    const items = this.parse(text);
    let fresh = 0;
    for (const a of items) if (!this.seen.has(a.id) && this.seen.set(a.id, a)) fresh++;
    const read: Read<T> = { page: { digest, next: null }, text, items };
    this.reads.push(read);
    this.differs = true;
    return { items, fresh, settle: (next) => void (read.page.next = next) };
  }

  /** Every page identical to the `known` pages: as many, with the same digests in the same order. */
  unchanged(): boolean {
    // Every page kept was compared with the known one at its place (knownAt).
    // guard: a-changed-list-confirmed
    return !this.differs && this.reads.length === this.known.length;
  }

  /** Every item of the org, deduplicated in page order; parses the kept pages on first use. */
  items(): T[] {
    this.parseKept();
    return [...this.seen.values()];
  }

  /** Parses the kept pages not parsed yet, in order. */
  private parseKept() {
    for (const r of this.reads) {
      if (r.items) continue;
      r.items = this.parse(r.text);
      for (const a of r.items) if (!this.seen.has(a.id)) this.seen.set(a.id, a);
    }
  }
}
