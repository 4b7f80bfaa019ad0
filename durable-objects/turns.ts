/**
 * Write turns, one holder per key at a time, in arrival order (the team's write order per id).
 * A holder gives its turn back with its change or by `release`; one that never does (its
 * coordinator evicted mid-write) loses it after `leaseMs`. Memory only: if the team object is
 * evicted, turns in flight are forgotten and their holders' late tickets are ignored.
 */
export class Turns {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly held = new Map<string, () => void>();

  /**
   * Waits for `key`'s turn; null when it came after `waitMs` (the writer went on without it, so
   * it is passed on at once).
   */
  async take(key: string, waitMs: number, leaseMs: number): Promise<string | null> {
    const deadline = Date.now() + waitMs;
    const previous = this.tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    // guard: turns-not-waited-for
    await previous;
    if (Date.now() > deadline) {
      done();
      return null;
    }
    const ticket = crypto.randomUUID();
    const lease = setTimeout(() => this.release(ticket), leaseMs);
    this.held.set(ticket, () => {
      clearTimeout(lease);
      done();
    });
    return ticket;
  }

  /** Settles once every turn taken or waited for so far is given back (or its lease ran out). */
  settled(): Promise<unknown> {
    return Promise.all([...this.tails.values()]);
  }

  /** Gives a turn back (unknown or already given back: nothing). */
  release(ticket: string | null) {
    if (ticket === null) return;
    const give = this.held.get(ticket);
    this.held.delete(ticket);
    give?.();
  }
}
