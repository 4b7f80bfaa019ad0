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
  teamCallsPerWrite: 2,
  fanoutPerTeammate: 1,
  cpuTeamMs: 0.5,
  cpuPerTeammateMs: 1.5,
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
    // Writes stay on D1 (the writer's row and each teammate's): the wakes are what the switch removes.
    const solo = model({ ...BASE, users: 1_000_000, teamSize: 1 });
    expect(solo.d1PerSecondAfterSwitch).toBeLessThan(solo.d1PerSecond / 10);
    expect(large.d1PerSecondAfterSwitch).toBeLessThan(large.d1PerSecond / 5);
    // Per org and per coordinator, nothing depends on how many users there are.
    expect(large.vapiPerOrgPerSecond).toBe(small.vapiPerOrgPerSecond);
    expect(large.memoryPerCoordinator).toBe(small.memoryPerCoordinator);
  });

  it("asks a team of one for each write's turn and report, and fans every write out to every teammate, tab or not", () => {
    // 1000 users with a tab writing 6 an hour, alone in their org: a turn and a report each.
    expect(model({ ...BASE, users: 1000, teamSize: 1, tabShare: 1 }).teamRpcsPerSecond).toBeCloseTo((1000 * 6 * 2) / 3600);
    // In teams of 11, the 10 teammates too, also those without a tab (as built: team.ts sends to every member).
    const team = model({ ...BASE, users: 1000, teamSize: 11, tabShare: 0.5 });
    expect(team.teamRpcsPerSecond).toBeCloseTo((500 * 6 * (2 + 10)) / 3600);
    // Each teammate writes the change to its own rows, and one without a tab is woken (and hydrates) for it.
    const quiet = model({ ...BASE, users: 1000, teamSize: 11, tabShare: 0.5, writesPerHour: 0 });
    const perWrite = (team.d1PerSecondAfterSwitch - quiet.d1PerSecondAfterSwitch) / ((500 * 6) / 3600);
    expect(perWrite).toBeCloseTo(1 + 10);
    expect(team.wakesPerSecond).toBeGreaterThan(quiet.wakesPerSecond + ((500 * 6) / 3600) * 10 * 0.5);
  });

  it("bounds a coordinator's memory by CACHE_MAX_BYTES however many assistants its user has", () => {
    const huge = model({ ...BASE, users: 1, assistantsPerUser: 1_000_000 });
    expect(huge.memoryPerCoordinator).toBeCloseTo((BASE.cacheMaxBytes / BASE.countedPerJsonByte) * BASE.memoryPerJsonByte);
  });
});
