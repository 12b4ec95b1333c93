-- Inserting messages in one round trip (issue 7: a send took eight statements, each a
-- client/server round trip, and those round trips bounded PostgreSQL's throughput, not the
-- disk). The backend's group commit passes a batch of messages; this function does for each
-- what the SQLite store does statement by statement (store/sql.rs, `insert_step`), then the
-- caller commits once for the whole batch.
--
-- `batch` is a JSON array of objects, `i` being each one's place in arrival order. They are
-- inserted by conversation, then `i` (arrival order within one), so concurrent batches lock
-- conversation rows in the same order and cannot deadlock each other:
--   {"i": index, "id", "conversationId", "role", "authorName", "authorId", "content",
--    "createdAt" (unix ms), "siblingOf", "answerJob"}  (absent or null where the Rust field is None)
-- `channel` and `instance` make the live announcement, the same JSON the Rust side sends
-- (`{"instance", "event": {"kind": "message", "organizationId", "conversationId", "messageId"}}`).
--
-- One row per message: `outcome` is
--   'created'  (with `seq`, `previous_message_id`, `sibling_index`, `organization_id`),
--   'existing' (the ID is stored already; the caller reads it),
--   'missing'  (no such conversation, or the edited original is not in it).
--
-- The function is VOLATILE, so each statement takes a fresh snapshot: the previous-message
-- lookup, run after the conversation row is locked, sees what a concurrent send committed
-- while this one waited, and concurrent sends still chain in `seq` order.
CREATE FUNCTION parley_insert_messages(batch JSONB, channel TEXT, instance TEXT)
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
            "answerJob" TEXT)
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
        -- A person has answered: the responder steps back.
        UPDATE conversations SET last_seq = next_seq, updated_at = m."createdAt",
            responder_active = CASE WHEN m.role = 'operator' THEN 0 ELSE responder_active END
            WHERE id = m."conversationId";
        -- The answer job commits with the question, or not at all (the outbox).
        IF m."answerJob" IS NOT NULL THEN
            INSERT INTO responder_jobs (id, organization_id, conversation_id, trigger_message_id,
                                        state, attempts, run_at, created_at)
                SELECT m."answerJob", c.organization_id, c.id, m.id, 'pending', 0, 0, m."createdAt"
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
