import type { Config } from "../core/config";
import type { CacheAnswer } from "../core/contract";
import { keyFingerprint } from "../core/crypto";
import type { Resource } from "../core/resource";
import type { Timing } from "../core/timing";
import type { Change } from "./event-log";
import type { CacheStats } from "./stats";
import { type TeamApi, type TeamChange, within } from "./team-wire";
import type { Acknowledged } from "./write-through";

const TEAM_KEY = "team-id";
/** Ids seen deleted, kept so a late teammate's change never brings one back (ids are never reused). */
const GONE_KEPT = 10_000;

/** What the coordinator lends its team link. */
export interface TeamLinkDeps {
  ctx: DurableObjectState;
  stats: CacheStats;
  // Late-bound: the test hook swaps config and env; the user is known once the coordinator is ready.
  config: () => Config;
  env: () => Env;
  uid: () => string;
  /** The team of the user's current key, asked of Vapi (null: no key, or Vapi did not answer). */
  identify: () => Promise<string | null>;
}

/** The write the user's coordinator is running (one at a time: its write queue). */
interface Running {
  teamId: string | null;
  ticket: string | null;
  reported: boolean;
  unavailable: boolean;
  /** The grant said the writer is the team's only member: its report goes in the background. */
  alone: boolean;
}

/**
 * A user's coordinator's side of its team (team.ts): which team its key belongs to (in the
 * object's storage), its write's turn and the newest version the team knows, reporting what Vapi
 * acknowledged, and taking teammates' changes in. Failure is local: past the deadline a write goes
 * on with the per-user guarantees, flagged. See docs/architecture.md, "Teams".
 */
export class TeamLink {
  /** The team object for an id (the test hook wraps it: a slow or unreachable team). */
  connect: (teamId: string) => TeamApi = (teamId) => this.d.env().TEAM.getByName(teamId);
  /** Teammates' changes come in through here (the test hook can hold them). */
  incoming: (changes: TeamChange[], apply: (c: TeamChange) => Promise<unknown>) => Promise<void> = async (changes, apply) => {
    for (const c of changes) await apply(c);
  };
  private running: Running | undefined;
  private readonly gone = new Set<string>();
  private identifiedAt = 0;

  constructor(private readonly d: TeamLinkDeps) {}

  /** The team the user's key belongs to, as last joined (null: none). */
  get teamId(): string | null {
    return this.d.ctx.storage.kv.get<string>(TEAM_KEY) ?? null;
  }

  /**
   * The team of `key`'s org: `org:<orgId>` from what Vapi answered (every assistant carries its
   * org's id), or for an org with no assistants yet a keyed fingerprint of the key. Never the key,
   * never anything a client sent.
   */
  async identify(key: string, orgId: string | undefined): Promise<string> {
    if (orgId) return `org:${orgId}`;
    return `key:${await keyFingerprint(this.d.env().ENCRYPTION_KEY, key)}`;
  }

  /**
   * Leaves the team at once for this object (its changes are refused from here on, before any
   * `await`: a key switch), and tells the team in the background.
   */
  leave() {
    const old = this.teamId;
    if (old === null) return;
    this.d.ctx.storage.kv.delete(TEAM_KEY);
    this.d.ctx.waitUntil(this.call(old, (t) => t.leave(this.d.uid())).catch(() => undefined));
  }

  /** Joins `teamId` (the key's team; null: none), leaving the one before. */
  async follow(teamId: string | null) {
    if (teamId !== this.teamId) this.leave();
    if (teamId === null || this.d.config().teamTimeoutMs === 0) return;
    this.d.ctx.storage.kv.put(TEAM_KEY, teamId);
    await this.call(teamId, (t) => t.join(teamId, this.d.uid())).catch((err: unknown) => warn("team join failed", err));
  }

  /**
   * Runs one write (inside the user's write queue) in its team turn on `id` (none for a create):
   * `work` gets the newest version the team knows of `id` (Infinity: the team saw it deleted), to
   * read its base again when its own copy is older. Past the deadline it runs without the turn,
   * and its answer says so. The time until `work` starts is `timing`'s `team` phase.
   */
  async write<T extends CacheAnswer>(
    resource: string, id: string | undefined, timing: Timing, work: (atLeast: number | undefined) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    const teamId = this.enabled() ? await this.ensure() : null;
    const running: Running = { teamId, ticket: null, reported: false, unavailable: false, alone: false };
    this.running = running;
    let atLeast: number | undefined;
    try {
      if (teamId !== null && id !== undefined) {
        const ms = this.d.config().teamTimeoutMs;
        try {
          // The team gives up a little sooner than the writer, so a turn it grants is one the writer still takes.
          const grant = await this.call(teamId, (t) => t.turn(this.d.uid(), resource, id, Math.floor(ms * 0.8)));
          running.ticket = grant.ticket;
          running.alone = grant.alone;
          running.unavailable ||= grant.ticket === null;
          atLeast = grant.deleted ? Number.POSITIVE_INFINITY : (grant.known ?? undefined);
        } catch (err) {
          running.unavailable = true;
          warn("team turn unavailable", err);
        }
      }
      timing.team += performance.now() - started;
      const answer = await work(atLeast);
      if (running.unavailable) answer.team = "unavailable";
      return answer;
    } finally {
      this.running = undefined;
      if (running.ticket !== null && !running.reported) {
        const ticket = running.ticket;
        this.d.ctx.waitUntil(this.call(teamId!, (t) => t.release(ticket)).catch(() => undefined));
      }
      if (teamId !== null) running.unavailable ? this.d.stats.teamUnavailable++ : this.d.stats.teamCoordinated++;
    }
  }

  /**
   * The user's write Vapi acknowledged (already applied here): to the team, which records it, gives
   * the turn back and updates every teammate's copy before this resolves (their reads reflect it
   * once the writer is answered), or until the deadline. The wait is `timing`'s `team` phase.
   */
  async acknowledged(resource: Resource, change: Acknowledged, timing: Timing) {
    if (change.type === "deleted") this.forgetLater(change.id);
    const running = this.running;
    const teamId = running ? running.teamId : this.enabled() ? this.teamId : null;
    if (teamId === null) return;
    if (running) running.reported = true;
    const wire: TeamChange =
      change.type === "deleted"
        ? { type: "deleted", resource: resource.name, id: change.id, origin: change.origin === "write" ? "team" : "vapi" }
        : { type: change.type, resource: resource.name, item: change.item, version: resource.version(change.item), origin: "team" };
    const ms = this.d.config().teamTimeoutMs;
    const report = () => within(2 * ms, this.connect(teamId).acknowledged(this.d.uid(), running?.ticket ?? null, [wire]));
    if (running?.alone) {
      // Alone: no teammate to update, and none can join before the turn is given back by this report
      // (team.ts `join`), nor write the id before it records the version. See docs/architecture.md, "Teams".
      this.d.ctx.waitUntil(report().catch((err: unknown) => warn("team report unavailable", err)));
      return;
    }
    const started = performance.now();
    try {
      const delivery = await report();
      if (running && delivery.delivered < delivery.members) running.unavailable = true;
    } catch (err) {
      if (running) running.unavailable = true;
      warn("team report unavailable", err);
    } finally {
      timing.team += performance.now() - started;
    }
  }

  /** Changes a refresh found in Vapi (edits made in Vapi itself): shared with the team, in the background. */
  share(changes: Change[]) {
    for (const c of changes) if (c.type === "deleted") this.forgetLater(c.id);
    const teamId = this.enabled() ? this.teamId : null;
    const found = changes.filter((c) => c.origin === "vapi");
    if (teamId === null || found.length === 0) return;
    const wire = found.map(
      (c): TeamChange =>
        c.type === "deleted"
          ? { type: "deleted", resource: c.resource, id: c.id, origin: "vapi" }
          : { type: c.type, resource: c.resource, item: c.item, version: c.version, origin: "vapi" },
    );
    const sent = this.call(teamId, (t) => t.acknowledged(this.d.uid(), null, wire));
    this.d.ctx.waitUntil(sent.catch((err: unknown) => warn("team share failed", err)));
  }

  /**
   * Teammates' changes, from the team `teamId`: applied in order, unless the user's key no longer
   * belongs to it (false: the team drops the member). A change of an id seen deleted is not applied.
   */
  async receive(teamId: string, changes: TeamChange[], apply: (c: TeamChange) => Promise<unknown>): Promise<boolean> {
    await this.incoming(changes, async (c) => {
      // Checked per change, right before it applies: a key switch meanwhile ends the team's say.
      // guard: a-change-of-another-team-applied
      if (this.teamId !== teamId) return;
      // guard: team-change-resurrects-a-deleted-id
      if (c.type !== "deleted" && this.gone.has(c.item.id)) return;
      if (c.type === "deleted") this.forgetLater(c.id);
      this.d.stats.teamApplied++;
      await apply(c);
    });
    return this.teamId === teamId;
  }

  private enabled() {
    return this.d.config().teamTimeoutMs > 0;
  }

  /** The joined team, or (a key stored before teams existed, or Vapi was down at its save) found now. */
  private async ensure(): Promise<string | null> {
    const known = this.teamId;
    if (known !== null || Date.now() - this.identifiedAt < 60_000) return known;
    this.identifiedAt = Date.now();
    const teamId = await this.d.identify();
    if (teamId !== null) await this.follow(teamId);
    return this.teamId;
  }

  private forgetLater(id: string) {
    this.gone.add(id);
    if (this.gone.size > GONE_KEPT) this.gone.delete(this.gone.values().next().value!);
  }

  /** One call to the team, bounded by the deadline. */
  private call<T>(teamId: string, work: (team: TeamApi) => Promise<T>): Promise<T> {
    return within(this.d.config().teamTimeoutMs, work(this.connect(teamId)));
  }
}

function warn(msg: string, err: unknown) {
  console.error(JSON.stringify({ level: "warn", msg, error: String(err) }));
}
