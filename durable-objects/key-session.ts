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
  /** A session's key read under way: one read per session, however many need it (a prefetch included). */
  private readonly reads = new WeakMap<Session, Promise<string | null>>();

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
   * The session's key, read once with `read` (a read under way is joined; a failed one is not
   * kept, so the next use reads again). A read that finishes after a switch may have seen either
   * key, so it is discarded rather than stored under the wrong generation.
   */
  async keyOf(session: Session, read: () => Promise<string | null>): Promise<string | null> {
    if (session.key !== undefined) return session.key;
    let reading = this.reads.get(session);
    if (!reading) {
      reading = read();
      this.reads.set(session, reading);
      reading.catch(() => this.reads.delete(session));
    }
    const key = await reading;
    // guard: key-read-kept-after-a-switch
    if (!this.isCurrent(session)) throw new SessionChanged();
    session.key ??= key;
    return session.key;
  }
}
