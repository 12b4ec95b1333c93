-- The normalized email lookups compare (blocking, GDPR export and erasure): trimmed and
-- lowercased with Unicode's full case mapping, computed in Rust (parley_shared::limits::
-- email_key), since SQLite's LOWER() folds ASCII only. Rows from before this migration are
-- filled in by the store when it connects.
ALTER TABLE contact_sessions ADD COLUMN email_key TEXT;
CREATE INDEX contact_sessions_email_key ON contact_sessions (organization_id, email_key);
