import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readVapiKey, saveVapiKey } from "../../src/db/settings";
import { ensureUser } from "../../src/db/users";
import { keyring } from "../../src/lib/crypto";
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
