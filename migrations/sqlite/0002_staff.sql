-- Support staff: accounts, memberships with roles, invites, widget settings, read markers.

CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    -- Lowercased; the login name.
    email          TEXT NOT NULL UNIQUE,
    -- argon2id PHC string.
    password_hash  TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE memberships (
    user_id          TEXT NOT NULL REFERENCES users (id),
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    role             TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (user_id, organization_id)
);
CREATE INDEX memberships_by_org ON memberships (organization_id, created_at);

CREATE TABLE invites (
    id               TEXT PRIMARY KEY NOT NULL,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    -- SHA-256 (hex) of the single-use token in the invite link.
    token_hash       TEXT NOT NULL UNIQUE,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    created_by       TEXT NOT NULL REFERENCES users (id),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    used_at          INTEGER,
    used_by          TEXT REFERENCES users (id)
);
CREATE INDEX invites_by_org ON invites (organization_id, created_at);

CREATE TABLE widget_settings (
    organization_id     TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id),
    display_name        TEXT,
    greeting            TEXT,
    -- JSON array of up to 3 strings.
    suggested_messages  TEXT NOT NULL,
    accent_color        TEXT,
    -- JSON array of origins ("https://shop.example"); empty = any site may embed.
    allowed_origins     TEXT NOT NULL,
    updated_at          INTEGER NOT NULL
);

-- Per operator, the highest message seq they have seen in a conversation (unread counts).
CREATE TABLE conversation_reads (
    conversation_id  TEXT NOT NULL REFERENCES conversations (id),
    user_id          TEXT NOT NULL REFERENCES users (id),
    last_read_seq    INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);

-- The operator who wrote a staff message (NULL for contact, assistant and system messages).
ALTER TABLE messages ADD COLUMN author_id TEXT;

CREATE INDEX conversations_by_org_activity ON conversations (organization_id, updated_at DESC, id DESC);
