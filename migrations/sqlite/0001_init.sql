-- Parley's first schema. Instants are Unix milliseconds (INTEGER); IDs are hyphenated UUID
-- text; the same names and types are used for PostgreSQL (BIGINT/TEXT).

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE contact_sessions (
    id               TEXT PRIMARY KEY NOT NULL,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    -- SHA-256 (hex) of the bearer credential; the credential itself is never stored.
    token_hash       TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    email            TEXT NOT NULL,
    metadata         TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
);

CREATE TABLE conversations (
    id                  TEXT PRIMARY KEY NOT NULL,
    organization_id     TEXT NOT NULL REFERENCES organizations (id),
    contact_session_id  TEXT NOT NULL REFERENCES contact_sessions (id),
    status              TEXT NOT NULL CHECK (status IN ('unresolved', 'escalated', 'resolved')),
    -- Highest message seq handed out; incremented in the same transaction as each insert.
    last_seq            INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX conversations_by_session ON conversations (contact_session_id, updated_at DESC, id DESC);
CREATE INDEX conversations_by_org_status ON conversations (organization_id, status, updated_at DESC);

CREATE TABLE messages (
    id               TEXT PRIMARY KEY NOT NULL,
    conversation_id  TEXT NOT NULL REFERENCES conversations (id),
    seq              INTEGER NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('contact', 'operator', 'assistant', 'system')),
    author_name      TEXT,
    content          TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (conversation_id, seq)
);
