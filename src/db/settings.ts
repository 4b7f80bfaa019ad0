import { decrypt, encrypt, keyring } from "../../core/crypto";

type Secrets = Pick<Env, "DB" | "ENCRYPTION_KEY" | "ENCRYPTION_KEYS">;

export interface SettingsRow {
  vapi_key_ciphertext: string;
  vapi_key_iv: string;
  vapi_key_kid: string | null;
  vapi_key_last4: string;
  updated_at: number;
}

/** The user's settings row (one statement, so a coordinator's start can batch it with its other reads). */
export function selectSettings(db: D1Database, userId: string) {
  return db
    .prepare(
      "SELECT vapi_key_ciphertext, vapi_key_iv, vapi_key_kid, vapi_key_last4, updated_at FROM user_settings WHERE user_id = ?",
    )
    .bind(userId);
}

export function readSettings(db: D1Database, userId: string) {
  return selectSettings(db, userId).first<SettingsRow>();
}

/**
 * The user's Vapi private key in clear, or null when none is configured or no configured
 * encryption key opens it (logged; the user saves it again). A row written under an older key
 * is re-encrypted under the current one on the way (lazy rotation).
 */
export async function readVapiKey(env: Secrets, userId: string) {
  return openVapiKey(env, userId, await readSettings(env.DB, userId));
}

/** `readVapiKey` for a settings row already read (null: none stored). */
export async function openVapiKey(env: Secrets, userId: string, row: SettingsRow | null) {
  if (!row) return null;
  const ring = await keyring(env);
  const opened = await decrypt(ring, row.vapi_key_ciphertext, row.vapi_key_iv, row.vapi_key_kid, userId);
  if (!opened) {
    console.error(JSON.stringify({ level: "error", msg: "stored vapi key unreadable: its encryption key is not configured", keyId: row.vapi_key_kid }));
    return null;
  }
  if (opened.keyId !== ring[0]!.id || row.vapi_key_kid === null) {
    const { ciphertext, iv, keyId } = await encrypt(ring[0]!, opened.plaintext, userId);
    // Compare-and-set: a key saved meanwhile is newer and must not be overwritten.
    await env.DB.prepare(
      // guard: key-re-encryption-overwrites-a-key-saved-meanwhile
      `UPDATE user_settings SET vapi_key_ciphertext = ?1, vapi_key_iv = ?2, vapi_key_kid = ?3
       WHERE user_id = ?4 AND vapi_key_ciphertext = ?5`,
    )
      .bind(ciphertext, iv, keyId, userId, row.vapi_key_ciphertext)
      .run();
  }
  return opened.plaintext;
}

export async function saveVapiKey(env: Secrets, userId: string, key: string) {
  const { ciphertext, iv, keyId } = await encrypt((await keyring(env))[0]!, key, userId);
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO user_settings (user_id, vapi_key_ciphertext, vapi_key_iv, vapi_key_kid, vapi_key_last4, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
     ON CONFLICT (user_id) DO UPDATE SET vapi_key_ciphertext = ?2, vapi_key_iv = ?3, vapi_key_kid = ?4,
       vapi_key_last4 = ?5, updated_at = ?6`,
  )
    .bind(userId, ciphertext, iv, keyId, key.slice(-4), now)
    .run();
}

export async function deleteVapiKey(db: D1Database, userId: string) {
  await db.prepare("DELETE FROM user_settings WHERE user_id = ?").bind(userId).run();
}
