-- Which encryption key wrote each stored Vapi key, so ENCRYPTION_KEY can be rotated
-- (docs/security.md). Rows written before this column have NULL: every configured key is
-- tried, and the row is re-encrypted under the current key the next time it is read.
ALTER TABLE user_settings ADD COLUMN vapi_key_kid TEXT;
