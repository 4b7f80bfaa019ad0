import type { ResourceClient } from "./client";
import { backoffMs } from "./retry";
import type { VapiItem } from "../../core/resource";
import { UpstreamError } from "./upstream-error";

/** The `metadata` field each create carries, so a create whose answer was lost can be found. */
export const CREATE_MARKER = "vapiEdgeCacheCreateId";

/** `body` with a fresh marker in its metadata (left as is if its metadata is not an object: Vapi refuses it anyway). */
export function markCreate(body: Record<string, unknown>, marker: string): Record<string, unknown> {
  const meta = body.metadata ?? {};
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) return body;
  return { ...body, metadata: { ...meta, [CREATE_MARKER]: marker } };
}

const isMarked = (a: VapiItem, marker: string) => {
  const meta = (a as { metadata?: unknown }).metadata;
  // guard: idem-lost-create-matches-any-marked-assistant
  return typeof meta === "object" && meta !== null && (meta as Record<string, unknown>)[CREATE_MARKER] === marker;
};

/**
 * After a create timed out or lost its connection, Vapi may or may not have created it, and a
 * slow create may still land. Looks for the marked assistant among those created since
 * `sinceIso`, a few times within `budgetMs`; undefined if it has not appeared by then.
 */
export async function findCreated(
  listSince: (sinceIso: string) => Promise<VapiItem[]>,
  marker: string,
  sinceIso: string,
  budgetMs: number,
): Promise<VapiItem | undefined> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const found = (await listSince(sinceIso)).find((a) => isMarked(a, marker));
    if (found) return found;
    const wait = backoffMs(attempt, 100);
    if (Date.now() - started + wait > budgetMs) return undefined;
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Which create this is: its marker, where to look for it, and whether an earlier attempt may have sent it. */
export interface CreateAttempt {
  marker: string;
  since: string;
  resumed: boolean;
}

/**
 * One create, never sent twice. When its outcome is unknown (Vapi never answered, so it may have
 * created it), the marked assistant is looked up before answering: 201 if it appeared, else a
 * 504 telling the client to check the list rather than create again. A `resumed` attempt (an
 * Idempotency-Key's retry after such a 504) only looks: sending it again could make a second.
 * `call` wraps each upstream call (timing, circuit).
 */
export async function createOnce(
  client: ResourceClient,
  body: Record<string, unknown>,
  lookupBudgetMs: number,
  call: <T>(work: () => Promise<T>) => Promise<T>,
  attempt: CreateAttempt,
): Promise<VapiItem> {
  const { marker, since } = attempt;
  // A resource whose create DTO has no `metadata` (phone numbers, tools, squads) cannot carry the
  // marker: Vapi would refuse it, and a lost answer cannot be found, only reported unknown.
  const marks = client.resource.marksCreates;
  const lookup = () => call(() => findCreated((iso) => client.listCreatedSince(iso), marker, since, lookupBudgetMs));
  // guard: idem-a-resumed-create-is-sent-again
  if (!attempt.resumed) {
    try {
      return await call(() => client.create(marks ? markCreate(body, marker) : body));
    } catch (err) {
      if (!(err instanceof UpstreamError) || err.upstreamStatus !== undefined) throw err;
    }
  }
  const found = marks ? await lookup() : undefined;
  if (found) return found;
  throw new UpstreamError(
    504,
    "vapi_create_unknown",
    "Vapi did not confirm the create in time; it may still appear in the list, so check before creating it again (or retry with the same Idempotency-Key).",
    undefined,
  );
}
