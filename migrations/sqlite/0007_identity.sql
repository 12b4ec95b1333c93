-- Identity verification (the organization's site vouches for a visitor) and blocked contacts.
ALTER TABLE contact_sessions ADD COLUMN external_id TEXT;
ALTER TABLE contact_sessions ADD COLUMN verified INTEGER NOT NULL DEFAULT 0;
-- Set when staff block the contact: the credential stops working at once.
ALTER TABLE contact_sessions ADD COLUMN revoked_at INTEGER;

CREATE TABLE identity_settings (
    organization_id  TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id),
    -- HMAC-SHA256 / HS256 key shared with the organization's own backend.
    secret           TEXT NOT NULL,
    -- 1: refuse visitors the site has not identified.
    required         INTEGER NOT NULL DEFAULT 0,
    updated_at       INTEGER NOT NULL
);

CREATE TABLE blocked_contacts (
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    -- Lowercased email of the blocked contact.
    email            TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (organization_id, email)
);
