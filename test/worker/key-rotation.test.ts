import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readVapiKey, saveVapiKey } from "../../src/db/settings";
import { ensureUser } from "../../src/db/users";
import { keyring } from "../../core/crypto";
import { admin, call, token, uid } from "./helpers";

const OLD = env.ENCRYPTION_KEY;
const newSecret = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
const keyId = async (secret: string) => (await keyring({ ENCRYPTION_KEY: secret }))[0]!.id;

const row = (sub: string) =>
  env.DB.prepare("SELECT vapi_key_ciphertext AS ciphertext, vapi_key_kid AS kid FROM user_settings WHERE user_id = ?")
    .bind(sub)
    .first<{ ciphertext: string; kid: string | null }>();

async function storedUnder(secret: string, vapiKey = `sk-${crypto.randomUUID()}`) {
  const sub = uid();
  await ensureUser(env.DB, sub);
  await saveVapiKey({ DB: env.DB, ENCRYPTION_KEY: secret }, sub, vapiKey);
  return { sub, vapiKey };
}

describe("rotating ENCRYPTION_KEY", () => {
  let errors: string[];
  beforeEach(() => {
    errors = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void errors.push(args.map(String).join(" ")));
  });
  afterEach(() => vi.restoreAllMocks());

  it("keeps old rows readable while ENCRYPTION_KEYS holds the new key, and re-encrypts them under it on read", async () => {
    const NEW = newSecret();
    const { sub, vapiKey } = await storedUnder(OLD);
    const before = await row(sub);
    expect(before?.kid).toBe(await keyId(OLD));

    const rotating = { DB: env.DB, ENCRYPTION_KEY: OLD, ENCRYPTION_KEYS: NEW };
    expect(await readVapiKey(rotating, sub)).toBe(vapiKey);
    const after = await row(sub);
    expect(after?.kid).toBe(await keyId(NEW));
    expect(after?.ciphertext).not.toBe(before?.ciphertext);

    // Once every row is re-encrypted the old key can go: ENCRYPTION_KEY = NEW, no ENCRYPTION_KEYS.
    expect(await readVapiKey({ DB: env.DB, ENCRYPTION_KEY: NEW }, sub)).toBe(vapiKey);
    // New saves during the rotation use the new key.
    const saved = await storedUnder(NEW);
    await saveVapiKey(rotating, saved.sub, saved.vapiKey);
    expect((await row(saved.sub))?.kid).toBe(await keyId(NEW));
  });

  it("a key saved while an old row is being re-encrypted is kept: the re-encryption is a compare-and-set", async () => {
    const NEW = newSecret();
    const { sub, vapiKey } = await storedUnder(OLD);
    const rotating = { DB: env.DB, ENCRYPTION_KEY: OLD, ENCRYPTION_KEYS: NEW };
    const savedMeanwhile = `sk-${crypto.randomUUID()}`;
    // A D1 whose settings read is followed, before the reader writes anything, by another
    // request saving a new key (a PUT racing a read under rotation).
    const racing = {
      prepare(sql: string) {
        const stmt = env.DB.prepare(sql);
        if (!sql.trimStart().startsWith("SELECT")) return stmt;
        return {
          bind: (...args: unknown[]) => ({
            first: async () => {
              const row = await stmt.bind(...args).first();
              await saveVapiKey(rotating, sub, savedMeanwhile);
              return row;
            },
          }),
        };
      },
    } as unknown as D1Database;

    expect(await readVapiKey({ ...rotating, DB: racing }, sub)).toBe(vapiKey); // what it read
    expect(await readVapiKey(rotating, sub)).toBe(savedMeanwhile); // not overwritten by the old key
    expect((await row(sub))?.kid).toBe(await keyId(NEW));
  });

  it("a row whose key was retired too early reads as not configured, logged without secrets", async () => {
    const { sub, vapiKey } = await storedUnder(newSecret());
    expect(await readVapiKey({ DB: env.DB, ENCRYPTION_KEY: OLD }, sub)).toBeNull();
    expect(errors.join("\n")).toContain("stored vapi key unreadable");
    expect(errors.join("\n")).not.toContain(vapiKey);
  });

  it("rows written before key ids (migration 0003) stay readable through the API and get the current key id", async () => {
    const vapiKey = `sk-test-${crypto.randomUUID()}`;
    await admin.registerOrg({ privateKey: vapiKey, assistants: 2 });
    const { sub } = await storedUnder(OLD, vapiKey);
    await env.DB.prepare("UPDATE user_settings SET vapi_key_kid = NULL WHERE user_id = ?").bind(sub).run();

    const res = await call("/api/assistants", { token: await token(sub) });
    expect(res.status).toBe(200);
    expect((await row(sub))?.kid).toBe(await keyId(OLD));
  });
});
