import type { VapiItem } from "../core/resource";

// What a team's coordinators say to each other (team.ts, team-link.ts): plain data, so it crosses
// Durable Object RPC as is. Never a Vapi key: the team object holds user ids, versions and changes.

/**
 * A change Vapi acknowledged, on its way to a teammate: a teammate's write (`origin: "team"`) or an
 * edit made in Vapi itself that a teammate's refresh found (`"vapi"`). `version`: Vapi's `updatedAt` in ms.
 */
export type TeamChange =
  | { type: "created" | "updated"; resource: string; item: VapiItem; version: number; origin: "team" | "vapi" }
  | { type: "deleted"; resource: string; id: string; origin: "team" | "vapi" };

/**
 * A write's turn on one id. `ticket`: hand it back with the change (or release it); null when the
 * turn came only after the writer's deadline. `known`: the newest version the team has written or
 * seen (null: none), `deleted` if the team saw it deleted. `alone`: the caller is the team's only
 * member and nobody is joining, so no teammate can hold a copy of the id until this turn is given
 * back (a join waits for the turns outstanding when it arrives): the writer may report in the background.
 */
export interface Grant {
  ticket: string | null;
  known: number | null;
  deleted: boolean;
  alone: boolean;
}

/** The team's side, as a member's coordinator calls it (team.ts implements it). */
export interface TeamApi {
  join(teamId: string, userId: string): Promise<void>;
  leave(userId: string): Promise<void>;
  turn(userId: string, resource: string, id: string, waitMs: number): Promise<Grant>;
  release(ticket: string): Promise<void>;
  acknowledged(userId: string, ticket: string | null, changes: TeamChange[]): Promise<Delivery>;
}

/** How far a change got: to how many of the other members' coordinators, of how many. */
export interface Delivery {
  members: number;
  delivered: number;
}

/** Past `ms`, the team counts as unavailable: the work goes on without it. */
export class TeamUnavailable extends Error {
  constructor(ms: number) {
    super(`the team did not answer within ${ms} ms`);
  }
}

/** `work`, or TeamUnavailable once `ms` have passed (the work itself keeps running). */
export async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TeamUnavailable(ms)), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
