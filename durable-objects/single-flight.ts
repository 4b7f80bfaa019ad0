/**
 * At most one in-flight promise per key: concurrent callers of `run` with the same key share
 * the first caller's work. The entry is removed when that promise settles, or when it outlives
 * its deadline: then every waiter gets `expired(key, ms)` and the key is free for a new flight,
 * so a hung call (Vapi, D1, anything the work awaits) never holds waiters past the deadline.
 * The abandoned work keeps running; whatever it applies when it ends must be fenced by the caller
 * (the coordinator's HotLayer versions and list-sync time), since a newer flight may have landed.
 */
export class SingleFlight<T> {
  private flights = new Map<string, Promise<T>>();

  constructor(
    /** Read per flight, so a configuration change applies to the next one. */
    private readonly deadlineMs: () => number = () => Number.POSITIVE_INFINITY,
    private readonly expired: (key: string, ms: number) => Error = (key, ms) =>
      new Error(`single-flight ${key} outlived its ${ms} ms deadline`),
  ) {}

  has(key: string): boolean {
    return this.flights.has(key);
  }

  /**
   * Joins the flight for `key`, or starts `work` as it. Whether it joined is known at once
   * (`joined` on the returned promise), so a caller can count the join before the flight lands.
   */
  run(key: string, work: () => Promise<T>): Promise<{ value: T; joined: boolean }> & { joined: boolean } {
    // guard: single-flight-never-joins
    const existing = this.flights.get(key);
    const joined = existing !== undefined;
    const flight = existing ?? this.start(key, work);
    return Object.assign(
      flight.then((value) => ({ value, joined })),
      { joined },
    );
  }

  private start(key: string, work: () => Promise<T>): Promise<T> {
    const flight = this.bounded(key, work()).finally(() => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    this.flights.set(key, flight);
    return flight;
  }

  /** `work`, or `expired` once the deadline passes, whichever comes first; the timer never outlives it. */
  private bounded(key: string, work: Promise<T>): Promise<T> {
    const ms = this.deadlineMs();
    // guard: flights-never-expire
    if (!Number.isFinite(ms)) return work;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.expired(key, ms)), ms);
    });
    // race handles both: a late rejection of abandoned work is never unhandled.
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }
}
