-- Users are provisioned on their first authenticated request; `id` is the JWT `sub`.
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL -- unix ms
);

-- The user's Vapi private key, AES-256-GCM encrypted (never stored or returned in clear).
CREATE TABLE IF NOT EXISTS user_settings (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  vapi_key_ciphertext TEXT NOT NULL,
  vapi_key_iv TEXT NOT NULL,
  vapi_key_last4 TEXT NOT NULL,
  created_at INTEGER NOT NULL, -- unix ms
  updated_at INTEGER NOT NULL  -- unix ms
);
