-- The AI responder (issue 5): per-organization settings, a job per answer to write (the
-- outbox, filled in the contact message's transaction), and the knowledge base.

CREATE TABLE responder_settings (
    organization_id   TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id),
    enabled           INTEGER NOT NULL DEFAULT 0,
    provider          TEXT NOT NULL DEFAULT 'knowledge_base' CHECK (provider IN ('knowledge_base', 'openai')),
    base_url          TEXT,
    model             TEXT,
    -- Secret: written by the dashboard, read by workers, never returned by any API.
    api_key           TEXT,
    instructions      TEXT NOT NULL DEFAULT '',
    context_messages  INTEGER NOT NULL DEFAULT 10,
    updated_at        INTEGER NOT NULL
);

-- Off once an operator replies (or by an operator); the responder only answers while on.
ALTER TABLE conversations ADD COLUMN responder_active INTEGER NOT NULL DEFAULT 1;

-- One row per answer to write. `run_at` (ms) is when it may next be claimed: claiming pushes
-- it one lease ahead, so a job whose worker died becomes due again.
CREATE TABLE responder_jobs (
    id                  TEXT PRIMARY KEY NOT NULL,
    organization_id     TEXT NOT NULL REFERENCES organizations (id),
    conversation_id     TEXT NOT NULL REFERENCES conversations (id),
    trigger_message_id  TEXT NOT NULL REFERENCES messages (id),
    sibling_of          TEXT REFERENCES messages (id),
    state               TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    run_at              INTEGER NOT NULL,
    last_error          TEXT,
    created_at          INTEGER NOT NULL
);
CREATE INDEX responder_jobs_due ON responder_jobs (state, run_at);

CREATE TABLE articles (
    id               TEXT PRIMARY KEY NOT NULL,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX articles_by_org ON articles (organization_id, updated_at);

-- Articles cut into passages (one per section), the unit retrieval ranks and quotes.
CREATE TABLE article_passages (
    id               INTEGER PRIMARY KEY,
    article_id       TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    organization_id  TEXT NOT NULL,
    position         INTEGER NOT NULL,
    heading          TEXT NOT NULL,
    body             TEXT NOT NULL
);
CREATE INDEX article_passages_by_article ON article_passages (article_id, position);

CREATE VIRTUAL TABLE article_passages_fts USING fts5(
    heading, body, content = 'article_passages', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER article_passages_ai AFTER INSERT ON article_passages BEGIN
    INSERT INTO article_passages_fts (rowid, heading, body) VALUES (new.id, new.heading, new.body);
END;
CREATE TRIGGER article_passages_ad AFTER DELETE ON article_passages BEGIN
    INSERT INTO article_passages_fts (article_passages_fts, rowid, heading, body)
        VALUES ('delete', old.id, old.heading, old.body);
END;
