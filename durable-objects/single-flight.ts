/**
 * At most one in-flight promise per key: concurrent callers of `run` with the same key share
 * the first caller's work. The entry is removed when that promise settles.
 */
export class SingleFlight<T> {
  private flights = new Map<string, Promise<T>>();

  has(key: string): boolean {
    return this.flights.has(key);
  }

  /** The flight for `key`, if one is under way. */
  current(key: string): Promise<T> | undefined {
    return this.flights.get(key);
  }

  /** Joins the flight for `key`, or starts `work` as it. */
  async run(key: string, work: () => Promise<T>): Promise<{ value: T; joined: boolean }> {
    const existing = this.flights.get(key);
    if (existing) return { value: await existing, joined: true };
    const flight = work().finally(() => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    this.flights.set(key, flight);
    return { value: await flight, joined: false };
  }
}
