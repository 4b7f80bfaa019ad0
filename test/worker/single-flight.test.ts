import { describe, expect, it } from "vitest";
import { SingleFlight } from "../../durable-objects/single-flight";

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

class Expired extends Error {}

describe("SingleFlight", () => {
  it("shares one run of the work among concurrent callers, answered in time", async () => {
    const flights = new SingleFlight<number>(() => 1_000);
    const work = deferred<number>();
    let runs = 0;
    const calls = Array.from({ length: 5 }, () => flights.run("k", () => (runs++, work.promise)));
    work.resolve(7);
    expect(await Promise.all(calls)).toEqual([{ value: 7, joined: false }, ...Array(4).fill({ value: 7, joined: true })]);
    expect(runs).toBe(1);
    expect(flights.has("k")).toBe(false);
  });

  it("releases every waiter of a flight past its deadline, and frees the key for a new flight", async () => {
    const flights = new SingleFlight<string>(() => 50, (key, ms) => new Expired(`${key} ${ms}`));
    const hung = deferred<string>();
    const waiters = Array.from({ length: 3 }, () => flights.run("k", () => hung.promise));
    for (const w of waiters) await expect(w).rejects.toEqual(new Expired("k 50"));
    expect(flights.has("k")).toBe(false);

    const fresh = await flights.run("k", () => Promise.resolve("new"));
    expect(fresh).toEqual({ value: "new", joined: false });
  });

  it("the abandoned work settling late neither removes a newer flight nor reaches its waiters", async () => {
    const flights = new SingleFlight<string>(() => 50, () => new Expired());
    const hung = deferred<string>();
    await expect(flights.run("k", () => hung.promise)).rejects.toBeInstanceOf(Expired);
    const newer = deferred<string>();
    const second = flights.run("k", () => newer.promise);
    // The abandoned work fails late: handled (no unhandled rejection), and the table keeps the newer flight.
    hung.reject(new Error("late"));
    await hung.promise.catch(() => undefined);
    expect(flights.has("k")).toBe(true);
    const joined = flights.run("k", () => Promise.resolve("third"));
    newer.resolve("newer");
    expect(await second).toEqual({ value: "newer", joined: false });
    expect(await joined).toEqual({ value: "newer", joined: true });
  });

  it("reads the deadline per flight, so a configuration change applies to the next one", async () => {
    let deadline = Number.POSITIVE_INFINITY;
    const flights = new SingleFlight<string>(() => deadline, () => new Expired());
    const slow = deferred<string>();
    const first = flights.run("a", () => slow.promise);
    deadline = 20;
    await expect(flights.run("b", () => new Promise<string>(() => undefined))).rejects.toBeInstanceOf(Expired);
    slow.resolve("no deadline");
    expect((await first).value).toBe("no deadline");
  });
});
