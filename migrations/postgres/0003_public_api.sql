-- Public REST API: API keys, and the message tree and feedback of seed 003.

CREATE TABLE api_keys (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organization_id  TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
    name             TEXT NOT NULL,
    -- The key's first characters, shown to tell keys apart.
    prefix           TEXT NOT NULL,
    -- SHA-256 (hex) of the key; the key itself is shown once and never stored.
    key_hash         TEXT COLLATE "C" NOT NULL UNIQUE,
    created_by       TEXT COLLATE "C" REFERENCES users (id),
    created_at       BIGINT NOT NULL,
    last_used_at     BIGINT,
    revoked_at       BIGINT
);
CREATE INDEX api_keys_by_org ON api_keys (organization_id, created_at);

-- The message tree (seed 003): a linear chat is a chain; branches are siblings.
ALTER TABLE messages ADD COLUMN previous_message_id TEXT COLLATE "C";
ALTER TABLE messages ADD COLUMN depth BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN root_message_id TEXT COLLATE "C";
ALTER TABLE messages ADD COLUMN sibling_index BIGINT NOT NULL DEFAULT 0;
-- Visitor feedback on a message: POSITIVE, NEGATIVE or NOT_SPECIFIED, and a comment.
ALTER TABLE messages ADD COLUMN accuracy TEXT;
ALTER TABLE messages ADD COLUMN feedback TEXT;
-- Last change (feedback); NULL means never changed since created_at.
ALTER TABLE messages ADD COLUMN updated_at BIGINT;

-- Messages written before this migration form linear chains, in seq order.
UPDATE messages SET
    previous_message_id = (SELECT p.id FROM messages p
        WHERE p.conversation_id = messages.conversation_id AND p.seq = messages.seq - 1),
    root_message_id = (SELECT r.id FROM messages r
        WHERE r.conversation_id = messages.conversation_id AND r.seq = 1),
    depth = messages.seq - 1
WHERE messages.seq > 1;
