-- Parley's first schema (PostgreSQL twin of migrations/sqlite/0001_init.sql: same tables,
-- columns and statements). Instants are Unix milliseconds (BIGINT); IDs are hyphenated UUID
-- text with the "C" collation, so keyset pagination compares them byte-wise as SQLite does.

CREATE TABLE organizations (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE contact_sessions (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organization_id  TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
    -- SHA-256 (hex) of the bearer credential; the credential itself is never stored.
    token_hash       TEXT COLLATE "C" NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    email            TEXT NOT NULL,
    metadata         TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL
);

CREATE TABLE conversations (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    organization_id     TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
    contact_session_id  TEXT COLLATE "C" NOT NULL REFERENCES contact_sessions (id),
    status              TEXT NOT NULL CHECK (status IN ('unresolved', 'escalated', 'resolved')),
    -- Highest message seq handed out; incremented in the same transaction as each insert.
    last_seq            BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX conversations_by_session ON conversations (contact_session_id, updated_at DESC, id DESC);
CREATE INDEX conversations_by_org_status ON conversations (organization_id, status, updated_at DESC);

CREATE TABLE messages (
    id               TEXT COLLATE "C" PRIMARY KEY,
    conversation_id  TEXT COLLATE "C" NOT NULL REFERENCES conversations (id),
    seq              BIGINT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('contact', 'operator', 'assistant', 'system')),
    author_name      TEXT,
    content          TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    UNIQUE (conversation_id, seq)
);
