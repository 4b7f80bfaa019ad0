import { describe, expect, it } from "vitest";
import { configure, fault, listBody, newUser, upstreamCalls } from "./helpers";

describe("a hung upstream call", () => {
  it("releases every waiter of its flight at the per-attempt timeout, and the next read starts afresh", async () => {
    const user = await newUser({ assistants: 2 });
    await configure(user, { vapiTimeoutMs: 200, retryAttempts: 1 });
    const hang = await fault(user.key, { hangRate: 1 });
    const calls = await upstreamCalls(user.key);

    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 20 }, () => user.req("/api/assistants")));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(504));
    expect(await upstreamCalls(user.key)).toBe(calls + 1);

    await hang.clear();
    const next = await user.req("/api/assistants");
    expect(next.status).toBe(200);
    expect((await listBody(next)).assistants).toHaveLength(2);
  });
});
