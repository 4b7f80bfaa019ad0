import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../durable-objects/circuit-breaker";

const breaker = () => new CircuitBreaker(() => 3, () => 1000);

describe("CircuitBreaker", () => {
  it("opens after `threshold` failures in a row, not before, and a success resets the count", () => {
    const c = breaker();
    c.failed(0);
    c.failed(0);
    c.succeeded();
    c.failed(0);
    c.failed(0);
    expect(c.allow(0)).toBe(true);
    c.failed(0);
    expect(c.allow(1)).toBe(false);
    expect(c.snapshot(1)).toMatchObject({ state: "open", opens: 1 });
    expect(c.retryAfterSeconds(1)).toBe(1);
  });

  it("half-opens after openMs with exactly one probe; the probe's success closes it", () => {
    const c = breaker();
    for (let i = 0; i < 3; i++) c.failed(0);
    expect(c.allow(999)).toBe(false);
    expect(c.allow(1000)).toBe(true);
    expect(c.allow(1001)).toBe(false);
    c.succeeded();
    expect(c.allow(1002)).toBe(true);
    expect(c.snapshot(1002).state).toBe("closed");
  });

  it("a failed probe opens it again for another openMs", () => {
    const c = breaker();
    for (let i = 0; i < 3; i++) c.failed(0);
    expect(c.allow(1000)).toBe(true);
    c.failed(1000);
    expect(c.allow(1999)).toBe(false);
    expect(c.snapshot(1500)).toMatchObject({ state: "open", opens: 2 });
    expect(c.allow(2000)).toBe(true);
  });

  it("a probe that never reports does not wedge the circuit", () => {
    const c = breaker();
    for (let i = 0; i < 3; i++) c.failed(0);
    expect(c.allow(1000)).toBe(true);
    expect(c.allow(1500)).toBe(false);
    expect(c.allow(2000)).toBe(true);
  });
});
