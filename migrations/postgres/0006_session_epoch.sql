-- Staff sessions carry the account's epoch; bumping it (logout) revokes every session of
-- the account at once, though their signed tokens have not expired.
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
