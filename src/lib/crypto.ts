// Vapi private keys are stored AES-256-GCM encrypted; the key comes from the ENCRYPTION_KEY
// secret (base64 of 32 random bytes). Each value gets its own random 96-bit IV.

const keys = new Map<string, Promise<CryptoKey>>();

function importKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    const raw = Uint8Array.from(atob(secret), (ch) => ch.charCodeAt(0));
    if (raw.length !== 32) throw new Error("ENCRYPTION_KEY must be base64 of exactly 32 bytes");
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(secret, key);
  }
  return key;
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

/** Encrypts `plaintext`; the user id is bound as associated data so rows cannot be swapped. */
export async function encrypt(secret: string, plaintext: string, userId: string) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(userId) },
    await importKey(secret),
    new TextEncoder().encode(plaintext),
  );
  return { ciphertext: b64(new Uint8Array(data)), iv: b64(iv) };
}

export async function decrypt(secret: string, ciphertext: string, iv: string, userId: string) {
  const data = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: unb64(iv), additionalData: new TextEncoder().encode(userId) },
    await importKey(secret),
    unb64(ciphertext),
  );
  return new TextDecoder().decode(data);
}
