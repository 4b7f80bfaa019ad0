import type { Resource } from "../core/resource";
import { newTiming, type Timing } from "../core/timing";
import { deleteVapiKey, openVapiKey, readVapiKey, saveVapiKey, type SettingsRow } from "../src/db/settings";
import type { ResourceClient } from "../src/vapi/client";
import { keyChanged } from "./answers";
import type { Cached } from "./d1-trust";
import type { D1Writer } from "./d1-writer";
import type { EventLog } from "./event-log";
import type { IdempotencyKeys } from "./idempotency";
import { type KeySessions, type Session, SessionChanged } from "./key-session";
import type { TeamLink } from "./team-link";
import type { Upstream } from "./upstream";

/** What the coordinator lends its key plumbing. */
export interface KeyDeps {
  keys: KeySessions;
  upstream: Upstream;
  events: EventLog;
  idempotency: IdempotencyKeys;
  d1: D1Writer;
  /** A key change leaves the old key's team before anything else (team-link.ts). */
  team: Pick<TeamLink, "leave" | "identify">;
  /** Every resource's hot layer and rows: a key change drops them all. */
  parts: () => readonly Cached[];
  // Late-bound: the user is known once the coordinator is ready; the test hook swaps env (test-hook.ts).
  env: () => Env;
  uid: () => string;
}

/**
 * The user's Vapi key: read once per session, a client of any resource for it, and saving or
 * removing it. A different key is a different org: the whole cache goes with the old one.
 */
export class VapiKey {
  constructor(private readonly d: KeyDeps) {}

  /** Stores a (verified) key; a different one drops the cache. Runs inside the user's write queue. */
  async save(privateKey: string) {
    const previous = await this.load(this.d.keys.current);
    await saveVapiKey(this.d.env(), this.d.uid(), privateKey);
    if (previous !== privateKey) await this.switchTo(privateKey);
  }

  /** Forgets the key and everything cached with it. Runs inside the user's write queue. */
  async remove() {
    await deleteVapiKey(this.d.env().DB, this.d.uid());
    await this.switchTo(null);
  }

  /** A client of `resource` for `session`'s key (writes run between key changes, so theirs is the current one). */
  async clientFor(resource: Resource, timing: Timing, session = this.d.keys.current): Promise<ResourceClient> {
    const started = Date.now();
    const key = await this.load(session);
    timing.key += Date.now() - started;
    return this.d.upstream.client(key, resource);
  }

  /**
   * Starts reading the current session's key without waiting for it (a coordinator's start); the
   * first use takes it (KeySessions). `start`: the start's D1 batch, which read the key's settings
   * row beside the rehydration's (d1-trust.ts); when it did not (undefined), the key is read after it.
   */
  prefetch(start: Promise<D1Result | undefined>) {
    const { env, uid } = this.d;
    this.d.keys.prefetch(this.d.keys.current, async () => {
      const read = await start;
      return read ? openVapiKey(env(), uid(), (read.results[0] as SettingsRow | undefined) ?? null) : readVapiKey(env(), uid());
    });
  }

  /** The team of the current key, asked of Vapi (a key stored before teams existed); null when unknown. */
  async team(resource: Resource): Promise<string | null> {
    try {
      const key = await this.load(this.d.keys.current);
      if (key === null) return null;
      const client = await this.clientFor(resource, newTiming());
      return await this.d.team.identify(key, (await client.listPage(1))[0]?.orgId);
    } catch {
      return null;
    }
  }

  private async load(session: Session): Promise<string | null> {
    try {
      return await this.d.keys.keyOf(session, () => readVapiKey(this.d.env(), this.d.uid()));
    } catch (err) {
      throw err instanceof SessionChanged ? keyChanged() : err;
    }
  }

  /**
   * The new session and the empty hot layers take effect before any `await`, so a refresh
   * starting meanwhile uses the new key or none.
   */
  private async switchTo(key: string | null) {
    const { events, idempotency, keys, parts } = this.d;
    // Nothing of the old org is replayed to a tab, and the open ones reload.
    // guard: events-key-change-keeps-the-log
    events.forget();
    // Stored answers hold the old org's items: they go with it.
    // guard: idem-key-change-keeps-stored-answers
    idempotency.forget();
    // Another org's changes are refused from here on (the new key's team is joined after).
    // guard: a-key-change-keeps-the-team
    this.d.team.leave();
    // guard: key-switched-after-the-d1-await
    keys.switchTo(key);
    for (const { hot } of parts()) hot.clear();
    await this.d.d1.run(parts().flatMap(({ rows }) => rows.deleteAll(this.d.env().DB, this.d.uid())));
  }
}
