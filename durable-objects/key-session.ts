/** One Vapi key and the cache generation it belongs to. */
export interface Session {
  readonly generation: number;
  /** The decrypted key; undefined until read from D1, null when none is configured. */
  key: string | null | undefined;
}

/** Thrown when the key changed while a key read or a refresh begun under the old one was in flight. */
export class SessionChanged extends Error {
  constructor() {
    super("the Vapi key changed");
  }
}

/**
 * The user's key and the generation of the cache built with it, swapped as one object and
 * without an `await`, so no refresh can start under one key and apply under another. Work
 * captures the session when it starts and checks `isCurrent` before its result lands.
 */
export class KeySessions {
  private session: Session = { generation: 0, key: undefined };
  /** A read started ahead of need (a coordinator's start), waiting for the first use of its session's key. */
  private readonly early = new WeakMap<Session, Promise<string | null>>();

  get current(): Session {
    return this.session;
  }

  isCurrent(session: Session): boolean {
    return session === this.session;
  }

  /** Starts a new generation with `key` (null: none configured). */
  switchTo(key: string | null): Session {
    this.session = { generation: this.session.generation + 1, key };
    return this.session;
  }

  /**
   * Starts reading the session's key before anyone needs it; the next `keyOf` of the session
   * takes this read instead of starting one. Only that one: any other use meanwhile reads for
   * itself, as before, so a read that hangs holds up one flight, never every later one. A failed
   * early read is dropped unused.
   */
  prefetch(session: Session, read: () => Promise<string | null>) {
    if (session.key !== undefined || this.early.has(session)) return;
    const reading = read();
    this.early.set(session, reading);
    reading.catch(() => this.early.get(session) === reading && this.early.delete(session));
  }

  /**
   * The session's key, read once with `read` (or taken from `prefetch`). A read that finishes after
   * a switch may have seen either key, so it is discarded rather than stored under the wrong generation.
   */
  async keyOf(session: Session, read: () => Promise<string | null>): Promise<string | null> {
    if (session.key !== undefined) return session.key;
    const early = this.early.get(session);
    this.early.delete(session);
    const key = await (early ?? read());
    // guard: key-read-kept-after-a-switch
    if (!this.isCurrent(session)) throw new SessionChanged();
    session.key ??= key;
    return session.key;
  }
}
