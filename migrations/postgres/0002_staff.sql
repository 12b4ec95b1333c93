-- Support staff: accounts, memberships with roles, invites, widget settings, read markers.

CREATE TABLE users (
    id             TEXT COLLATE "C" PRIMARY KEY,
    -- Lowercased; the login name.
    email          TEXT COLLATE "C" NOT NULL UNIQUE,
    -- argon2id PHC string.
    password_hash  TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE memberships (
    user_id          TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    organization_id  TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
    role             TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (user_id, organization_id)
);
CREATE INDEX memberships_by_org ON memberships (organization_id, created_at);

CREATE TABLE invites (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organization_id  TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
    -- SHA-256 (hex) of the single-use token in the invite link.
    token_hash       TEXT COLLATE "C" NOT NULL UNIQUE,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    created_by       TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    used_at          BIGINT,
    used_by          TEXT COLLATE "C" REFERENCES users (id)
);
CREATE INDEX invites_by_org ON invites (organization_id, created_at);

CREATE TABLE widget_settings (
    organization_id     TEXT COLLATE "C" PRIMARY KEY REFERENCES organizations (id),
    display_name        TEXT,
    greeting            TEXT,
    -- JSON array of up to 3 strings.
    suggested_messages  TEXT NOT NULL,
    accent_color        TEXT,
    -- JSON array of origins ("https://shop.example"); empty = any site may embed.
    allowed_origins     TEXT NOT NULL,
    updated_at          BIGINT NOT NULL
);

-- Per operator, the highest message seq they have seen in a conversation (unread counts).
CREATE TABLE conversation_reads (
    conversation_id  TEXT COLLATE "C" NOT NULL REFERENCES conversations (id),
    user_id          TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    last_read_seq    BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);

-- The operator who wrote a staff message (NULL for contact, assistant and system messages).
ALTER TABLE messages ADD COLUMN author_id TEXT COLLATE "C";

CREATE INDEX conversations_by_org_activity ON conversations (organization_id, updated_at DESC, id DESC);
