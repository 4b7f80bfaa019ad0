import { EVENTS_PROTOCOL_V1, type EventsProtocol } from "../core/protocol";
import { type Change, render, v1Body, v2Body } from "./event-wire";

export type { Change, Origin } from "./event-wire";

/** The protocol a socket was accepted with (sockets.ts keeps it in the socket's attachment). */
export type ProtocolOf = (ws: WebSocket) => EventsProtocol;

const SEQ_KEY = "events-seq";

/**
 * The user's change feed: a per-user sequence, a bounded log in the object's own SQLite storage
 * (so a reconnecting tab can be sent what it missed, even after eviction), and the broadcast to
 * every open socket. Everything here is synchronous, so no other event can interleave between
 * a replay and the socket joining the broadcast.
 */
export class EventLog {
  private ready = false;

  constructor(
    private readonly ctx: DurableObjectState,
    /** Read per publish, so a changed setting (or a test's) applies without a restart. */
    private readonly size: () => number,
    private readonly protocolOf: ProtocolOf,
  ) {}

  /** The sequence number of the last event published (0 before the first). */
  get seq(): number {
    return this.ctx.storage.kv.get<number>(SEQ_KEY) ?? 0;
  }

  /**
   * Logs `changes` in order (resource-neutral: the v2 form) and sends each to every socket of the
   * user in the protocol it was accepted with. Call only after the change is persisted.
   */
  publish(changes: Change[]) {
    if (changes.length === 0) return;
    const sql = this.table();
    const sockets = this.ctx.getWebSockets().map((ws) => ({ ws, v1: this.protocolOf(ws) === EVENTS_PROTOCOL_V1 }));
    let seq = this.seq;
    for (const change of changes) {
      const logged = { ...change, seq: ++seq };
      const body = v2Body(logged);
      sql.exec("INSERT INTO events (seq, body) VALUES (?, ?)", seq, body);
      // Rendered once per protocol, not per socket; a v1 tab hears only of assistants.
      const v1 = sockets.some((s) => s.v1) ? v1Body(logged) : undefined;
      for (const s of sockets) {
        const out = s.v1 ? v1 : body;
        if (out !== undefined) send(s.ws, out);
      }
    }
    this.ctx.storage.kv.put(SEQ_KEY, seq);
    sql.exec("DELETE FROM events WHERE seq <= ?", seq - this.size());
  }

  /**
   * Brings a socket that has seen events up to `after` level with the log: the events it missed,
   * or a `resync` when the log no longer reaches back that far; then `ready` with the current seq.
   */
  catchUp(ws: WebSocket, after: number | undefined) {
    const seq = this.seq;
    if (after !== undefined && after !== seq) {
      const sql = this.table();
      const oldest = sql.exec<{ seq: number }>("SELECT MIN(seq) AS seq FROM events").one().seq ?? seq + 1;
      // Further back than the log reaches, or a sequence this log never issued (another
      // deployment, or storage was reset): start over.
      // guard: a-seq-the-log-never-issued-is-not-resynced
      if (after < oldest - 1 || after > seq) send(ws, JSON.stringify({ type: "resync", seq }));
      else {
        const protocol = this.protocolOf(ws);
        for (const row of sql.exec<{ body: string }>("SELECT body FROM events WHERE seq > ? ORDER BY seq", after)) {
          const out = render(row.body, protocol);
          if (out !== undefined) send(ws, out);
        }
      }
    }
    send(ws, JSON.stringify({ type: "ready", seq }));
  }

  /**
   * Forgets every logged event (the Vapi key changed: nothing of the old org may be replayed) and
   * tells every open socket to `resync`. The change takes a sequence number of its own, so a tab
   * that saw any event before it, even the last one, is told to reload when it resumes.
   */
  forget() {
    // guard: events-key-change-takes-no-seq
    const seq = this.seq + 1;
    this.table().exec("DELETE FROM events");
    this.ctx.storage.kv.put(SEQ_KEY, seq);
    const body = JSON.stringify({ type: "resync", seq });
    for (const ws of this.ctx.getWebSockets()) send(ws, body);
  }

  private table() {
    const sql = this.ctx.storage.sql;
    if (!this.ready) {
      sql.exec("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
      this.ready = true;
    }
    return sql;
  }
}

function send(ws: WebSocket, body: string) {
  try {
    ws.send(body);
  } catch {
    // A socket that is closing gets no more events; its tab resumes from its last seq.
  }
}
