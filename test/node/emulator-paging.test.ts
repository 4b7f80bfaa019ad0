import { assert, describe, expect, it, vi } from "vitest";
import { createEmulatorApp } from "../../emulator/app.ts";
import { z } from "zod";
import { type EmulatedAssistant, assistantSchema, errorSchema } from "../../emulator/client.ts";
import { useEmulator } from "./emulator-fixture.ts";

const emulator = useEmulator();
const { api } = emulator;

async function list(key: string, query = ""): Promise<EmulatedAssistant[]> {
  const result = await api("GET", `/assistant${query}`, { key });
  expect(result.status).toBe(200);
  return z.array(assistantSchema).parse(result.json);
}

async function listError(key: string, query: string): Promise<string[]> {
  const result = await api("GET", `/assistant${query}`, { key });
  expect(result.status).toBe(400);
  const message = errorSchema.parse(result.json).message;
  expect(Array.isArray(message)).toBe(true);
  return [message].flat();
}

function isNewestFirst(page: EmulatedAssistant[]): boolean {
  return page.every((a, i) => i === 0 || Date.parse(page[i - 1]?.createdAt ?? "") >= Date.parse(a.createdAt));
}

describe("list", () => {
  it("is a bare array, newest first, later inserts first within one millisecond", async () => {
    const { privateKey: key } = await emulator.admin.registerOrg();
    const created: EmulatedAssistant[] = [];
    for (let i = 0; i < 12; i++) {
      created.push(assistantSchema.parse((await api("POST", "/assistant", { key, body: { name: `A${i}` } })).json));
    }
    const page = await list(key);
    expect(page.map((a) => a.id)).toEqual(created.map((a) => a.id).reverse());
  });

  it("orders assistants created in one millisecond later-first, stably", async () => {
    // In-process with a frozen clock, so every create shares createdAt for certain.
    const { app, state } = createEmulatorApp();
    const org = state.registerOrg("frozen").org.assistants;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-02T03:04:05.678Z"));
    const ids: string[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const response = await app.request("/assistant", { method: "POST", headers: { authorization: "Bearer frozen" }, body: "{}" });
        ids.push(assistantSchema.parse(await response.json()).id);
      }
    } finally {
      vi.useRealTimers();
    }
    const listed = org.list().map((a) => a.id);
    expect(new Set(org.list().map((a) => a.createdAt)).size).toBe(1);
    expect(listed).toEqual([...ids].reverse());
    const firstThree = await app.request("/assistant?limit=3", { headers: { authorization: "Bearer frozen" } });
    expect(z.array(assistantSchema).parse(await firstThree.json()).map((a) => a.id)).toEqual(listed.slice(0, 3));
  });

  it("defaults limit to 100 and caps it at 1000", async () => {
    const { privateKey: key } = await emulator.admin.registerOrg({ assistants: 1005 });
    const byDefault = await list(key);
    expect(byDefault).toHaveLength(100);
    expect(isNewestFirst(byDefault)).toBe(true);
    expect(await list(key, "?limit=1000")).toHaveLength(1000);
    expect(await list(key, "?limit=7")).toHaveLength(7);
    expect(await list(key, "?limit=0")).toHaveLength(0);
    expect(await listError(key, "?limit=1001")).toEqual(["limit must not be greater than 1000"]);
    expect(await listError(key, "?limit=-1")).toEqual(["limit must not be less than 0"]);
    expect(await listError(key, "?limit=ten")).toEqual(["limit must be a number conforming to the specified constraints"]);
  });

  it("rejects unknown query parameters and invalid dates", async () => {
    const { privateKey: key } = await emulator.admin.registerOrg();
    expect(await listError(key, "?page=2&sortOrder=ASC")).toEqual([
      "property page should not exist",
      "property sortOrder should not exist",
    ]);
    expect(await listError(key, "?createdAtLt=yesterday")).toEqual(["createdAtLt must be a valid ISO 8601 date string"]);
  });

  it("applies each of the eight date filters with its own comparison", async () => {
    const { privateKey: key } = await emulator.admin.registerOrg({ assistants: 9 });
    // Edit the oldest one, so ordering by updatedAt differs from ordering by createdAt.
    const oldest = (await list(key)).at(-1) ?? assert.fail("no assistants");
    await emulator.admin.patchBehindBack(key, oldest.id, { name: "Edited" });
    const all = await list(key);
    const middle = (field: "createdAt" | "updatedAt") => [...all].map((a) => a[field]).sort()[4] ?? "";
    const cases: Array<[string, (ms: number, bound: number) => boolean]> = [
      ["Gt", (ms, bound) => ms > bound],
      ["Lt", (ms, bound) => ms < bound],
      ["Ge", (ms, bound) => ms >= bound],
      ["Le", (ms, bound) => ms <= bound],
    ];
    for (const field of ["createdAt", "updatedAt"] as const) {
      const bound = middle(field);
      for (const [op, keep] of cases) {
        const expected = all.filter((a) => keep(Date.parse(a[field]), Date.parse(bound))).map((a) => a.id);
        const page = await list(key, `?${field}${op}=${encodeURIComponent(bound)}`);
        expect(page.map((a) => a.id), `${field}${op}`).toEqual(expected);
        expect(expected.length, `${field}${op} selects a proper subset`).toBeGreaterThan(0);
        expect(expected.length).toBeLessThan(all.length);
      }
    }
    const edited = await list(key, `?updatedAtGt=${encodeURIComponent(middle("updatedAt"))}`);
    expect(edited.map((a) => a.id)).toContain(oldest.id);
    const [from, to] = [all[6]?.createdAt ?? "", all[2]?.createdAt ?? ""];
    const window = await list(key, `?createdAtGe=${from}&createdAtLe=${to}`);
    expect(window.map((a) => a.id)).toEqual(all.filter((a) => a.createdAt >= from && a.createdAt <= to).map((a) => a.id));
  });

  it("pages through 250 seeded assistants with createdAtLe, every id exactly once", async () => {
    const { privateKey: key } = await emulator.admin.registerOrg({ assistants: 250 });
    const seen = new Map<string, number>();
    let query = "?limit=100";
    for (let pages = 0; pages < 20; pages++) {
      const page = await list(key, query);
      for (const a of page) seen.set(a.id, (seen.get(a.id) ?? 0) + 1);
      if (page.length < 100) break;
      query = `?limit=100&createdAtLe=${encodeURIComponent(page.at(-1)?.createdAt ?? "")}`;
    }
    expect(seen.size).toBe(250);
    const everyone = await emulator.admin.assistants(key);
    expect(new Set(everyone.map((a) => a.id))).toEqual(new Set(seen.keys()));
  });

  it("seeds batches that share a createdAt millisecond, so createdAtLt paging loses some", async () => {
    const { privateKey: key } = await emulator.admin.registerOrg({ assistants: 250 });
    const all = await emulator.admin.assistants(key);
    const stamps = new Map<string, number>();
    for (const a of all) stamps.set(a.createdAt, (stamps.get(a.createdAt) ?? 0) + 1);
    expect(Math.max(...stamps.values())).toBeGreaterThanOrEqual(3);
    expect(Math.max(...stamps.values())).toBeLessThanOrEqual(5);
    expect(all.every((a) => Date.parse(a.createdAt) < Date.now())).toBe(true);
    const seen = new Set<string>();
    let query = "?limit=100";
    for (let pages = 0; pages < 20; pages++) {
      const page = await list(key, query);
      for (const a of page) seen.add(a.id);
      if (page.length < 100) break;
      query = `?limit=100&createdAtLt=${encodeURIComponent(page.at(-1)?.createdAt ?? "")}`;
    }
    expect(seen.size).toBeLessThan(250);
  });
});
