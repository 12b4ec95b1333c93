-- The AI responder (issue 5): per-organization settings, a job per answer to write (the
-- outbox, filled in the contact message's transaction), and the knowledge base.

CREATE TABLE responder_settings (
    organization_id   TEXT COLLATE "C" PRIMARY KEY REFERENCES organizations (id),
    enabled           BIGINT NOT NULL DEFAULT 0,
    provider          TEXT NOT NULL DEFAULT 'knowledge_base' CHECK (provider IN ('knowledge_base', 'openai')),
    base_url          TEXT,
    model             TEXT,
    -- Secret: written by the dashboard, read by workers, never returned by any API.
    api_key           TEXT,
    instructions      TEXT NOT NULL DEFAULT '',
    context_messages  BIGINT NOT NULL DEFAULT 10,
    updated_at        BIGINT NOT NULL
);

-- Off once an operator replies (or by an operator); the responder only answers while on.
ALTER TABLE conversations ADD COLUMN responder_active BIGINT NOT NULL DEFAULT 1;

-- One row per answer to write. `run_at` (ms) is when it may next be claimed: claiming pushes
-- it one lease ahead, so a job whose worker died becomes due again.
CREATE TABLE responder_jobs (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    organization_id     TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
    conversation_id     TEXT COLLATE "C" NOT NULL REFERENCES conversations (id),
    trigger_message_id  TEXT COLLATE "C" NOT NULL REFERENCES messages (id),
    sibling_of          TEXT COLLATE "C" REFERENCES messages (id),
    state               TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts            BIGINT NOT NULL DEFAULT 0,
    run_at              BIGINT NOT NULL,
    last_error          TEXT,
    created_at          BIGINT NOT NULL
);
CREATE INDEX responder_jobs_due ON responder_jobs (state, run_at);

CREATE TABLE articles (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organization_id  TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX articles_by_org ON articles (organization_id, updated_at);

-- Articles cut into passages (one per section), the unit retrieval ranks and quotes.
CREATE TABLE article_passages (
    id               BIGSERIAL PRIMARY KEY,
    article_id       TEXT COLLATE "C" NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    organization_id  TEXT COLLATE "C" NOT NULL,
    position         BIGINT NOT NULL,
    heading          TEXT NOT NULL,
    body             TEXT NOT NULL,
    search           tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', heading), 'A') || to_tsvector('english', body)
    ) STORED
);
CREATE INDEX article_passages_by_article ON article_passages (article_id, position);
CREATE INDEX article_passages_search ON article_passages USING GIN (search);
