-- Conversations continue by email (issue 15). A reply the visitor has not seen in time is
-- emailed; emailed_seq is how far a conversation's replies were emailed, so a batch is sent
-- once. Links in emails ("continue the conversation", "unsubscribe") are random secrets
-- stored hashed, one purpose each, expiring; erasure and retention delete them with their
-- conversation. Unsubscribed addresses are kept per organization by normalized email.
ALTER TABLE conversations ADD COLUMN emailed_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE email_links (
    token_hash          TEXT PRIMARY KEY NOT NULL,
    purpose             TEXT NOT NULL CHECK (purpose IN ('continue', 'unsubscribe')),
    organization_id     TEXT NOT NULL REFERENCES organizations (id),
    contact_session_id  TEXT NOT NULL REFERENCES contact_sessions (id),
    conversation_id     TEXT NOT NULL REFERENCES conversations (id),
    expires_at          INTEGER NOT NULL
);
CREATE INDEX email_links_by_conversation ON email_links (conversation_id);

CREATE TABLE email_unsubscribes (
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    email_key        TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (organization_id, email_key)
);
