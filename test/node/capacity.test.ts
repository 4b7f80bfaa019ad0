import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BEGIN, capacityMarkdown, DOCS, END } from "../../bench/capacity.ts";
import { type Inputs, model } from "../../bench/capacity/model.ts";

const BASE: Omit<Inputs, "users"> = {
  assistantsPerUser: 20,
  tabShare: 0.2,
  teamSize: 5,
  ttlSeconds: 300,
  refreshAheadSeconds: 30,
  readsPerMinute: 2,
  writesPerHour: 6,
  changedShare: 0.1,
  pageSize: 1000,
  cacheMaxBytes: 25_165_824,
  assistantBytes: 708,
  countedPerJsonByte: 2,
  memoryPerJsonByte: 3.31,
  d1QueryMs: 1,
  cpuHitMs: 2.8,
  cpuRefreshMs: 7,
};

describe("npm run capacity", () => {
  it("produced the table docs/operations.md shows, from the arguments its marker records", () => {
    const docs = readFileSync(DOCS, "utf8");
    const begin = BEGIN.exec(docs);
    const end = docs.indexOf(END);
    expect(begin, "docs/operations.md keeps its capacity markers").not.toBeNull();
    if (!begin) return;
    const shown = docs.slice(begin.index + begin[0].length, end);
    const args = (begin.groups?.args ?? "").trim().split(/\s+/).filter(Boolean);
    // Regenerate with `npm run capacity -- --update-docs` after the bench's results change.
    expect(shown).toBe(`${capacityMarkdown(args)}\n`);
  });

  it("grows D1's load with the users, and the hydrate switch takes the wakes off it", () => {
    const small = model({ ...BASE, users: 10_000 });
    const large = model({ ...BASE, users: 1_000_000 });
    expect(large.d1PerSecond / small.d1PerSecond).toBeCloseTo(100);
    expect(large.d1PerSecondAfterSwitch).toBeLessThan(large.d1PerSecond / 10);
    // Per org and per coordinator, nothing depends on how many users there are.
    expect(large.vapiPerOrgPerSecond).toBe(small.vapiPerOrgPerSecond);
    expect(large.memoryPerCoordinator).toBe(small.memoryPerCoordinator);
  });

  it("has no team traffic for users alone in their org, and fans every write out to teammates with a tab", () => {
    expect(model({ ...BASE, users: 1000, teamSize: 1 }).fanoutPerSecond).toBe(0);
    const team = model({ ...BASE, users: 1000, teamSize: 11, tabShare: 1 });
    // 1000 users writing 6 an hour: each write goes to the team object and the 10 teammates.
    expect(team.fanoutPerSecond).toBeCloseTo((1000 * 6 * 11) / 3600);
  });

  it("bounds a coordinator's memory by CACHE_MAX_BYTES however many assistants its user has", () => {
    const huge = model({ ...BASE, users: 1, assistantsPerUser: 1_000_000 });
    expect(huge.memoryPerCoordinator).toBeCloseTo((BASE.cacheMaxBytes / BASE.countedPerJsonByte) * BASE.memoryPerJsonByte);
  });
});
