-- One durable job queue for every kind of background work (backend/src/jobs): the AI
-- responder's answers first; emails and webhooks next. A job commits in the transaction of
-- what causes it (the outbox); workers of its kind claim it with a lease, retry it with
-- backoff and finish it. `payload` is the kind's own JSON; `conversation_id`, when the job
-- is about a conversation, lets erasure and retention delete it with the conversation.
CREATE TABLE jobs (
    id               TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    kind             TEXT NOT NULL,
    organization_id  TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
    conversation_id  TEXT COLLATE "C" REFERENCES conversations (id),
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    run_at           BIGINT NOT NULL,
    last_error       TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (kind, state, run_at);
CREATE INDEX jobs_by_conversation ON jobs (conversation_id);

INSERT INTO jobs (id, kind, organization_id, conversation_id, payload, state, attempts, run_at,
                  last_error, created_at)
    SELECT id, 'responder.answer', organization_id, conversation_id,
           jsonb_build_object('triggerMessageId', trigger_message_id, 'siblingOf', sibling_of)::text,
           state, attempts, run_at, last_error, created_at
    FROM responder_jobs;
DROP TABLE responder_jobs;

-- The batch insert (0008) now records the answer job in `jobs`: the batch carries the job's
-- kind and payload, built in Rust (`store::NewJob`), so the SQL only stores them; and
-- whether the responder steps back is the caller's decision (`stopsResponder`), no longer
-- a rule on the role written here.
CREATE OR REPLACE FUNCTION parley_insert_messages(batch JSONB, channel TEXT, instance TEXT)
RETURNS TABLE (i BIGINT, outcome TEXT, seq BIGINT, previous_message_id TEXT,
               sibling_index BIGINT, organization_id TEXT)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    m RECORD;
    org TEXT;
    next_seq BIGINT;
    prev TEXT;
    depth_ BIGINT;
    root TEXT;
    sib BIGINT;
    orig RECORD;
    n BIGINT;
BEGIN
    FOR m IN
        SELECT * FROM jsonb_to_recordset(batch) AS x(
            "i" BIGINT, "id" TEXT, "conversationId" TEXT, "role" TEXT, "authorName" TEXT,
            "authorId" TEXT, "content" TEXT, "createdAt" BIGINT, "siblingOf" TEXT,
            "answerJob" TEXT, "answerJobKind" TEXT, "answerJobPayload" TEXT,
            "stopsResponder" BOOLEAN)
        ORDER BY x."conversationId", x."i"
    LOOP
        -- Locks the conversation: sends to it serialize here, so seqs are dense.
        SELECT c.organization_id, c.last_seq + 1 INTO org, next_seq
            FROM conversations c WHERE c.id = m."conversationId" FOR UPDATE;
        IF NOT FOUND THEN
            RETURN QUERY SELECT m.i, 'missing'::TEXT, NULL::BIGINT, NULL::TEXT, NULL::BIGINT, NULL::TEXT;
            CONTINUE;
        END IF;
        -- A retry of a stored ID (checked under the lock, so a concurrent retry of the same
        -- message in this conversation is seen).
        PERFORM 1 FROM messages WHERE messages.id = m.id;
        IF FOUND THEN
            RETURN QUERY SELECT m.i, 'existing'::TEXT, NULL::BIGINT, NULL::TEXT, NULL::BIGINT, NULL::TEXT;
            CONTINUE;
        END IF;
        IF m."siblingOf" IS NOT NULL THEN
            -- An edit takes the original's place in the tree, as its next sibling.
            SELECT o.previous_message_id, o.depth, o.root_message_id INTO orig
                FROM messages o WHERE o.id = m."siblingOf" AND o.conversation_id = m."conversationId";
            IF NOT FOUND THEN
                RETURN QUERY SELECT m.i, 'missing'::TEXT, NULL::BIGINT, NULL::TEXT, NULL::BIGINT, NULL::TEXT;
                CONTINUE;
            END IF;
            prev := orig.previous_message_id;
            depth_ := orig.depth;
            root := orig.root_message_id;
            SELECT COALESCE(MAX(s.sibling_index), -1) + 1 INTO sib FROM messages s
                WHERE s.conversation_id = m."conversationId"
                  AND s.previous_message_id IS NOT DISTINCT FROM prev;
        ELSE
            -- Otherwise it continues the chain after the latest message.
            SELECT p.id, p.depth + 1, COALESCE(p.root_message_id, p.id) INTO prev, depth_, root
                FROM messages p WHERE p.conversation_id = m."conversationId" AND p.seq = next_seq - 1;
            IF NOT FOUND THEN
                prev := NULL; depth_ := 0; root := NULL;
            END IF;
            sib := 0;
        END IF;
        -- The same ID stored meanwhile in another conversation (not serialized by this lock):
        -- nothing is inserted and the seq is not taken.
        INSERT INTO messages (id, conversation_id, seq, role, author_name, author_id, content,
                              created_at, previous_message_id, depth, root_message_id, sibling_index)
            VALUES (m.id, m."conversationId", next_seq, m.role, m."authorName", m."authorId",
                    m.content, m."createdAt", prev, depth_, root, sib)
            ON CONFLICT (id) DO NOTHING;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n = 0 THEN
            RETURN QUERY SELECT m.i, 'existing'::TEXT, NULL::BIGINT, NULL::TEXT, NULL::BIGINT, NULL::TEXT;
            CONTINUE;
        END IF;
        -- The caller decided whether the responder steps back (a person answered).
        UPDATE conversations SET last_seq = next_seq, updated_at = m."createdAt",
            responder_active = CASE WHEN m."stopsResponder" THEN 0 ELSE responder_active END
            WHERE id = m."conversationId";
        -- The answer job commits with the question, or not at all (the outbox).
        IF m."answerJob" IS NOT NULL THEN
            INSERT INTO jobs (id, kind, organization_id, conversation_id, payload, state, attempts,
                              run_at, created_at)
                SELECT m."answerJob", m."answerJobKind", c.organization_id, c.id,
                       m."answerJobPayload", 'pending', 0, 0, m."createdAt"
                FROM conversations c JOIN responder_settings r ON r.organization_id = c.organization_id
                WHERE c.id = m."conversationId" AND c.status = 'unresolved'
                  AND c.responder_active = 1 AND r.enabled = 1;
        END IF;
        PERFORM pg_notify(channel, json_build_object(
            'instance', instance,
            'event', json_build_object('kind', 'message', 'organizationId', org,
                                       'conversationId', m."conversationId",
                                       'messageId', m.id))::text);
        i := m.i; outcome := 'created'; seq := next_seq; previous_message_id := prev;
        sibling_index := sib; organization_id := org;
        RETURN NEXT;
    END LOOP;
END
$$;
