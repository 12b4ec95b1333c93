-- One durable job queue for every kind of background work (backend/src/jobs): the AI
-- responder's answers first; emails and webhooks next. A job commits in the transaction of
-- what causes it (the outbox); workers of its kind claim it with a lease, retry it with
-- backoff and finish it. `payload` is the kind's own JSON; `conversation_id`, when the job
-- is about a conversation, lets erasure and retention delete it with the conversation.
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY NOT NULL,
    kind             TEXT NOT NULL,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    conversation_id  TEXT REFERENCES conversations (id),
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    run_at           INTEGER NOT NULL,
    last_error       TEXT,
    created_at       INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (kind, state, run_at);
CREATE INDEX jobs_by_conversation ON jobs (conversation_id);

INSERT INTO jobs (id, kind, organization_id, conversation_id, payload, state, attempts, run_at,
                  last_error, created_at)
    SELECT id, 'responder.answer', organization_id, conversation_id,
           json_object('triggerMessageId', trigger_message_id, 'siblingOf', sibling_of),
           state, attempts, run_at, last_error, created_at
    FROM responder_jobs;
DROP TABLE responder_jobs;
