import { DurableObject } from "cloudflare:workers";
import { readConfig } from "../core/config";
import { type Delivery, type Grant, type TeamApi, type TeamChange, within } from "./team-wire";
import { Turns } from "./turns";
import { flightDeadlineMs } from "./upstream";

const TEAM_KEY = "team-id";

/**
 * One per team: the users whose stored keys reach one Vapi org (named `org:<orgId>`, or
 * `key:<fingerprint>` while the org has no assistants). It holds the members' user ids, the newest
 * version per (resource, id) any member has written or seen, and the write turns; each member's
 * coordinator keeps owning its cache, rows, key and feed. It never holds a Vapi key.
 * See docs/architecture.md, "Teams".
 */
export class TeamCoordinator extends DurableObject<Env> implements TeamApi {
  config = readConfig(this.env);
  private readonly turns = new Turns();
  /** Per member: the last delivery sent, so each member gets the team's changes in order. */
  private readonly deliveries = new Map<string, Promise<unknown>>();
  /** Users whose join waits for the turns before it: no grant says `alone` meanwhile, and fan-outs reach them. */
  private readonly joining = new Set<string>();
  private schema = false;

  /**
   * Adds a member (idempotent). The first join names the team, for its fan-out. A new member is
   * added only once every turn outstanding when it arrived is given back: a writer granted `alone`
   * answers before its report, so no one may join between its turn and the record of its write.
   */
  async join(teamId: string, userId: string): Promise<void> {
    const bound = this.ctx.storage.kv.get<string>(TEAM_KEY);
    if (bound !== undefined && bound !== teamId) throw new Error("a team object serves exactly one team");
    if (bound === undefined) this.ctx.storage.kv.put(TEAM_KEY, teamId);
    if (this.memberIds().includes(userId)) return;
    this.joining.add(userId);
    try {
      // guard: a-join-does-not-wait-for-turns
      await this.turns.settled();
      this.sql().exec("INSERT OR IGNORE INTO members (user_id) VALUES (?)", userId);
      // The reports that gave those turns back started their fan-out (to this joiner too) first: applied before the join answers.
      await this.deliveries.get(userId);
    } finally {
      this.joining.delete(userId);
    }
  }

  async leave(userId: string): Promise<void> {
    this.sql().exec("DELETE FROM members WHERE user_id = ?", userId);
  }

  /** The members' user ids (for the stats of tests and the bench). */
  async members(): Promise<string[]> {
    return this.memberIds();
  }

  private memberIds(): string[] {
    return this.sql().exec<{ user_id: string }>("SELECT user_id FROM members ORDER BY user_id").toArray().map((r) => r.user_id);
  }

  /**
   * Waits for the write turn on `resource`'s `id` (one writer per id in the team at a time, in
   * arrival order), then says the newest version the team knows, so the writer checks If-Match and
   * merges onto it, not onto an older copy of its own.
   */
  async turn(userId: string, resource: string, id: string, waitMs: number): Promise<Grant> {
    const c = this.config;
    // A holder's worst case: its base read from Vapi, its write, and its report.
    const leaseMs = flightDeadlineMs(c) + c.vapiTimeoutMs + c.teamTimeoutMs;
    const ticket = await this.turns.take(`${resource}:${id}`, waitMs, leaseMs);
    const row = this.sql()
      .exec<{ version: number; deleted: number }>("SELECT version, deleted FROM versions WHERE resource = ? AND id = ?", resource, id)
      .toArray()[0];
    const members = this.memberIds();
    const alone = ticket !== null && this.joining.size === 0 && members.length === 1 && members[0] === userId;
    return { ticket, known: row?.version ?? null, deleted: row?.deleted === 1, alone };
  }

  async release(ticket: string): Promise<void> {
    this.turns.release(ticket);
  }

  /**
   * A member's acknowledged changes (its write, with its turn's ticket; or what its refresh found
   * in Vapi): recorded, the turn given back, then sent to every other member's coordinator, each in
   * the team's order. Resolves once each has applied them or its delivery ran out of time.
   */
  async acknowledged(userId: string, ticket: string | null, changes: TeamChange[]): Promise<Delivery> {
    const news = changes.filter((c) => this.record(c));
    // Members and users joining: a join waiting for this turn is added once it is given back, with the change.
    const others = [...new Set([...this.memberIds(), ...this.joining])].filter((m) => m !== userId);
    // Each delivery is queued (in order per member) before the turn is given back, so a join it let
    // through finds the delivery to wait for; the next writer's turn does not wait for teammates' D1 writes.
    const sent = news.length === 0 ? others.map(async () => true) : others.map((m) => this.deliver(m, news));
    this.turns.release(ticket);
    const results = await Promise.all(sent);
    return { members: others.length, delivered: results.filter(Boolean).length };
  }

  /**
   * Records what the team now knows of one id; false when it is not news (a refresh's report of a
   * version the team already has, or of an id the team saw deleted). A write is always news: Vapi
   * acknowledged it after every earlier write of the id.
   */
  private record(c: TeamChange): boolean {
    const sql = this.sql();
    const id = c.type === "deleted" ? c.id : c.item.id;
    const row = sql
      .exec<{ version: number; deleted: number }>("SELECT version, deleted FROM versions WHERE resource = ? AND id = ?", c.resource, id)
      .toArray()[0];
    if (c.type === "deleted") {
      sql.exec("INSERT OR REPLACE INTO versions (resource, id, version, deleted) VALUES (?, ?, ?, 1)", c.resource, id, row?.version ?? 0);
      return row?.deleted !== 1 || c.origin === "team";
    }
    // guard: team-records-a-refresh-of-a-deleted-id
    if (row?.deleted === 1) return false;
    if (c.origin === "vapi" && row && row.version >= c.version) return false;
    sql.exec(
      "INSERT OR REPLACE INTO versions (resource, id, version, deleted) VALUES (?, ?, ?, 0)",
      c.resource, id, Math.max(row?.version ?? 0, c.version),
    );
    return true;
  }

  /** One member's delivery, after the ones sent to it before; a member that left the team is dropped. */
  private deliver(member: string, changes: TeamChange[]): Promise<boolean> {
    const teamId = this.ctx.storage.kv.get<string>(TEAM_KEY)!;
    const previous = this.deliveries.get(member) ?? Promise.resolve();
    const ms = this.config.teamTimeoutMs;
    const sent = previous.then(async () => {
      try {
        const stub = this.env.COORDINATOR.getByName(member);
        const stillMember = await within(ms, stub.teamChange(member, teamId, changes));
        if (!stillMember) await this.leave(member);
        return true;
      } catch (err) {
        // It converges at its next refresh (its TTL); the writer is not held past the deadline.
        console.error(JSON.stringify({ level: "warn", msg: "team delivery failed", error: String(err) }));
        return false;
      }
    });
    this.deliveries.set(member, sent);
    void sent.then(() => {
      if (this.deliveries.get(member) === sent) this.deliveries.delete(member);
    });
    return sent;
  }

  private sql() {
    const sql = this.ctx.storage.sql;
    if (!this.schema) {
      sql.exec("CREATE TABLE IF NOT EXISTS members (user_id TEXT PRIMARY KEY)");
      sql.exec(
        "CREATE TABLE IF NOT EXISTS versions (resource TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL, PRIMARY KEY (resource, id))",
      );
      this.schema = true;
    }
    return sql;
  }
}
