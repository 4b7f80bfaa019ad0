import { decrypt, encrypt } from "../lib/crypto";

interface SettingsRow {
  vapi_key_ciphertext: string;
  vapi_key_iv: string;
  vapi_key_last4: string;
  updated_at: number;
}

export function readSettings(db: D1Database, userId: string) {
  return db
    .prepare(
      "SELECT vapi_key_ciphertext, vapi_key_iv, vapi_key_last4, updated_at FROM user_settings WHERE user_id = ?",
    )
    .bind(userId)
    .first<SettingsRow>();
}

/** The user's Vapi private key in clear, or null when none is configured. */
export async function readVapiKey(db: D1Database, secret: string, userId: string) {
  const row = await readSettings(db, userId);
  if (!row) return null;
  return decrypt(secret, row.vapi_key_ciphertext, row.vapi_key_iv, userId);
}

export async function saveVapiKey(db: D1Database, secret: string, userId: string, key: string) {
  const { ciphertext, iv } = await encrypt(secret, key, userId);
  const now = Date.now();
  await db
    .prepare(
      `INSERT INTO user_settings (user_id, vapi_key_ciphertext, vapi_key_iv, vapi_key_last4, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?5)
       ON CONFLICT (user_id) DO UPDATE SET vapi_key_ciphertext = ?2, vapi_key_iv = ?3,
         vapi_key_last4 = ?4, updated_at = ?5`,
    )
    .bind(userId, ciphertext, iv, key.slice(-4), now)
    .run();
}

export async function deleteVapiKey(db: D1Database, userId: string) {
  await db.prepare("DELETE FROM user_settings WHERE user_id = ?").bind(userId).run();
}
