// Vapi private keys are stored AES-256-GCM encrypted under a keyring: the newest key encrypts,
// every configured key decrypts, so ENCRYPTION_KEY can be rotated without losing stored keys
// (docs/security.md). Each value gets its own random 96-bit IV and records the id of its key.

/** One encryption key: `id` is derived from the key (a hash prefix), so it needs no naming. */
export interface DataKey {
  id: string;
  key: CryptoKey;
}

const imported = new Map<string, Promise<DataKey>>();

function importKey(secret: string): Promise<DataKey> {
  let key = imported.get(secret);
  if (!key) {
    key = (async () => {
      const raw = Uint8Array.from(atob(secret), (ch) => ch.charCodeAt(0));
      if (raw.length !== 32) throw new Error("each encryption key must be base64 of exactly 32 bytes");
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
      const id = [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
      return { id, key: await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]) };
    })();
    imported.set(secret, key);
  }
  return key;
}

/**
 * The keyring, newest first: ENCRYPTION_KEYS (comma-separated, set during a rotation), then
 * ENCRYPTION_KEY. The first key encrypts; all of them decrypt.
 */
export async function keyring(env: Pick<Env, "ENCRYPTION_KEY" | "ENCRYPTION_KEYS">): Promise<DataKey[]> {
  const secrets = [...(env.ENCRYPTION_KEYS ?? "").split(","), env.ENCRYPTION_KEY].map((s) => s?.trim() ?? "").filter(Boolean);
  if (secrets.length === 0) throw new Error("ENCRYPTION_KEY is not configured");
  return Promise.all([...new Set(secrets)].map(importKey));
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

/** Encrypts `plaintext`; the user id is bound as associated data so rows cannot be swapped. */
export async function encrypt(key: DataKey, plaintext: string, userId: string) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(userId) },
    key.key,
    new TextEncoder().encode(plaintext),
  );
  return { ciphertext: b64(new Uint8Array(data)), iv: b64(iv), keyId: key.id };
}

/**
 * Decrypts with the key that wrote it (any key, for rows written before key ids); null when no
 * configured key opens it: the key was retired, or the row belongs to another user.
 */
export async function decrypt(ring: DataKey[], ciphertext: string, iv: string, keyId: string | null, userId: string) {
  for (const key of keyId ? ring.filter((k) => k.id === keyId) : ring) {
    try {
      const data = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: unb64(iv), additionalData: new TextEncoder().encode(userId) },
        key.key,
        unb64(ciphertext),
      );
      return { plaintext: new TextDecoder().decode(data), keyId: key.id };
    } catch {
      // GCM's tag did not verify under this key: try the next.
    }
  }
  return null;
}

/**
 * A keyed fingerprint of a Vapi key (HMAC-SHA-256 under a key derived from `secret`, the
 * server's ENCRYPTION_KEY): names the team of an org whose id Vapi has not told us yet (no
 * assistants to carry `orgId`). Equal keys give equal fingerprints; without the secret it
 * reveals nothing of the key, and it is never the key.
 */
export async function keyFingerprint(secret: string, vapiKey: string): Promise<string> {
  const raw = new TextEncoder().encode(`vapi-edge-cache team fingerprint\u0000${secret}`);
  const material = await crypto.subtle.digest("SHA-256", raw);
  const key = await crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(vapiKey)));
  return [...mac.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
