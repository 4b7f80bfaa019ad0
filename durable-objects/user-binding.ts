const USER_KEY = "user-id";

/**
 * One object, one user, for its whole life: the user id is kept in the object's storage (the
 * alarm and a socket find it there), and the user's cache is loaded from D1 once per object
 * lifetime, before its first use (after a restart or eviction).
 */
export class UserBinding {
  private userId: string | undefined;
  private started: Promise<void> | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    /** Loads what D1 holds for the user (D1Trust.load); a failure is retried by the next request. */
    private readonly load: (userId: string) => Promise<void>,
  ) {}

  /** The user this object was bound to in storage, if any (for the alarm). */
  get stored(): string | undefined {
    return this.ctx.storage.kv.get<string>(USER_KEY);
  }

  /** The user, once `ready` ran. */
  get uid(): string {
    if (!this.userId) throw new Error("coordinator used before ready()");
    return this.userId;
  }

  /** Throws unless the object serves `userId` (or no one yet): a different one means an unverified identity. */
  assertServes(userId: string) {
    const bound = this.stored;
    if (bound !== undefined && bound !== userId) throw new Error("a coordinator serves exactly one user");
  }

  /** Binds the object to `userId` and loads its cache (the user is bound by then), once per object lifetime. */
  ready(userId: string): Promise<void> {
    if (this.userId !== undefined && this.userId !== userId) {
      throw new Error("a coordinator serves exactly one user");
    }
    this.started ??= this.hydrate(userId).catch((err: unknown) => {
      this.started = undefined; // let the next request try again
      throw err;
    });
    return this.started;
  }

  private async hydrate(userId: string) {
    this.userId = userId;
    if (this.stored !== userId) this.ctx.storage.kv.put(USER_KEY, userId);
    await this.load(userId);
  }
}
