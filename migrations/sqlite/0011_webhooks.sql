-- Outgoing webhooks (backend/src/webhooks). An endpoint subscribes to event types
-- (`webhook_subscriptions`, so the send path checks "anyone listening?" with one indexed
-- lookup); each event becomes one delivery per subscribed endpoint, sent by a
-- `webhook.deliver` job. `previous_secret` also signs deliveries until
-- `previous_secret_until` (rotation). `failing_since` is the first failed attempt since the
-- last success: a day of it disables the endpoint. Deliveries keep their payload (the
-- delivery log) and the conversation or contact it is about, so erasure and retention
-- delete them with it.
CREATE TABLE webhook_endpoints (
    id                     TEXT PRIMARY KEY NOT NULL,
    organization_id        TEXT NOT NULL REFERENCES organizations (id),
    url                    TEXT NOT NULL,
    secret                 TEXT NOT NULL,
    previous_secret        TEXT,
    previous_secret_until  INTEGER,
    enabled                INTEGER NOT NULL DEFAULT 1,
    disabled_reason        TEXT,
    failing_since          INTEGER,
    created_at             INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_by_organization ON webhook_endpoints (organization_id, created_at);

CREATE TABLE webhook_subscriptions (
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id),
    organization_id  TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, event_type)
);
CREATE INDEX webhook_subscriptions_by_event ON webhook_subscriptions (organization_id, event_type);

CREATE TABLE webhook_deliveries (
    id                  TEXT PRIMARY KEY NOT NULL,
    endpoint_id         TEXT NOT NULL REFERENCES webhook_endpoints (id),
    organization_id     TEXT NOT NULL,
    event_type          TEXT NOT NULL,
    payload             TEXT NOT NULL,
    conversation_id     TEXT,
    contact_session_id  TEXT,
    state               TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_status_code    INTEGER,
    last_error          TEXT,
    last_attempt_at     INTEGER,
    created_at          INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_by_conversation ON webhook_deliveries (conversation_id);
CREATE INDEX webhook_deliveries_by_contact ON webhook_deliveries (contact_session_id);
