/** Where the batches go: the D1 binding, or a test's wrapper around it (test-hook.ts). */
export type D1Target = Pick<D1Database, "batch">;

/**
 * The coordinator's one ordered queue of D1 batches. Every D1 change of a user goes through it,
 * so D1 follows memory in order. A failed batch is not retried blindly: `onFailure` records
 * durably that D1 can no longer be trusted, and the coordinator repairs it later from memory.
 */
export class D1Writer {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(
    /** Not readonly: the test hook interposes wrappers (`interpose`). */
    private db: D1Target,
    private readonly onFailure: (err: unknown) => Promise<void>,
  ) {}

  /**
   * Runs `statements` as one transaction after every batch queued before; `onSuccess` runs in
   * queue order too, before any later batch. Resolves to the ms it took (failures included).
   */
  run(statements: D1PreparedStatement[], onSuccess?: () => void): Promise<number> {
    this.pending++;
    // guard: d1-writer-unordered
    const job = this.tail.then(async () => {
      const started = Date.now();
      try {
        if (statements.length > 0) await this.db.batch(statements);
        onSuccess?.();
      } catch (err) {
        await this.onFailure(err);
      } finally {
        this.pending--;
      }
      return Date.now() - started;
    });
    this.tail = job.catch(() => undefined);
    return job;
  }

  /** For the test hook only (test-hook.ts): later batches go to `wrap(db)`, in the same queue order. */
  interpose(wrap: (db: D1Target) => D1Target): void {
    this.db = wrap(this.db);
  }

  /** No batch queued or running: D1 has caught up with every change memory made so far. */
  get idle(): boolean {
    return this.pending === 0;
  }

  /** Settles once every batch queued so far has (a later one may still be running). */
  async drained(): Promise<void> {
    await this.tail;
  }
}
