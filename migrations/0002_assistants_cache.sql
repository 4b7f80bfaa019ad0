-- The durable cache. Keyed by (user_id, id): two users of one Vapi org never share a row
-- (the seed keyed by id alone, so one user's refresh overwrote another's).
CREATE TABLE IF NOT EXISTS assistants_cache (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  id TEXT NOT NULL,               -- Vapi assistant id
  vapi_data TEXT NOT NULL,        -- the assistant as Vapi returned it (JSON)
  cached_at INTEGER NOT NULL,     -- unix ms: when this version was fetched or written
  updated_at INTEGER NOT NULL,    -- unix ms: the assistant's Vapi updatedAt
  PRIMARY KEY (user_id, id)
);

CREATE INDEX IF NOT EXISTS idx_assistants_cache_user_id ON assistants_cache(user_id);
CREATE INDEX IF NOT EXISTS idx_assistants_cache_cached_at ON assistants_cache(cached_at DESC);

-- The list-sync marker: when the user's complete list (every page) was last read from Vapi.
-- A list is served from cache only while this is fresh, never from whichever rows happen to be
-- fresh (the seed's `cached_at > ?` query answered partial lists).
CREATE TABLE IF NOT EXISTS assistants_list_sync (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  synced_at INTEGER NOT NULL      -- unix ms
);
