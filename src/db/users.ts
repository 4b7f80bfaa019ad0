// Users seen by this isolate; provisioning is an idempotent insert, so forgetting is harmless.
const known = new Set<string>();
const KNOWN_LIMIT = 10_000;

/** Creates the user's row on their first authenticated request. */
export async function ensureUser(db: D1Database, userId: string): Promise<void> {
  if (known.has(userId)) return;
  await db
    .prepare("INSERT INTO users (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING")
    .bind(userId, Date.now())
    .run();
  if (known.size >= KNOWN_LIMIT) known.clear();
  known.add(userId);
}
