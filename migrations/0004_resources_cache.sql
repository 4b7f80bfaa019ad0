-- Phone numbers, tools and squads: the same durable cache as assistants (0002), one pair of
-- tables per resource, keyed by (user_id, id) so two users of one Vapi org never share a row.
CREATE TABLE IF NOT EXISTS phone_numbers_cache (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  id TEXT NOT NULL,               -- Vapi phone number id
  vapi_data TEXT NOT NULL,        -- as Vapi returned it, without the secret fields (core/resources/phone-numbers.ts)
  cached_at INTEGER NOT NULL,     -- unix ms: when this version was fetched or written
  updated_at INTEGER NOT NULL,    -- unix ms: Vapi's updatedAt
  PRIMARY KEY (user_id, id)
);
CREATE INDEX IF NOT EXISTS idx_phone_numbers_cache_user_id ON phone_numbers_cache(user_id);
CREATE TABLE IF NOT EXISTS phone_numbers_list_sync (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  synced_at INTEGER NOT NULL      -- unix ms: when the last complete list sync started
);

CREATE TABLE IF NOT EXISTS tools_cache (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  vapi_data TEXT NOT NULL,
  cached_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, id)
);
CREATE INDEX IF NOT EXISTS idx_tools_cache_user_id ON tools_cache(user_id);
CREATE TABLE IF NOT EXISTS tools_list_sync (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  synced_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS squads_cache (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  vapi_data TEXT NOT NULL,
  cached_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, id)
);
CREATE INDEX IF NOT EXISTS idx_squads_cache_user_id ON squads_cache(user_id);
CREATE TABLE IF NOT EXISTS squads_list_sync (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  synced_at INTEGER NOT NULL
);
