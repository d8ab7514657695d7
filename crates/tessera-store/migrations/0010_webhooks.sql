-- Webhook delivery, same rules as 0001: BIGINT epoch ms, JSON as TEXT, BIGINT 0/1 booleans.
--
-- Endpoints: `secret_sealed` is the `whsec_…` secret sealed with the master key (AES-256-GCM, the
-- endpoint id as associated data); after a rotation the previous secret stays in `old_secret_sealed`
-- and keeps signing until `old_secret_expires_at`. `filter_types` is a JSON array of event types, or
-- NULL for every event.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    filter_types TEXT,
    disabled BIGINT NOT NULL,
    secret_sealed TEXT NOT NULL,
    old_secret_sealed TEXT,
    old_secret_expires_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- How far the fan-out has read the event log (`events.seq`): one row, locked by the node that fans
-- out (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's one writer).
CREATE TABLE webhook_cursor (
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO webhook_cursor (id, last_seq, updated_at) VALUES (1, 0, 0);

-- One message per (event, endpoint). `payload` is the exact body sent (and signed) at every attempt.
-- `status`: pending, delivered or failed. A pending message is due at `next_attempt_at`; a node that
-- claims it moves `next_attempt_at` past its lease and counts the attempt, so no other node takes it
-- meanwhile and a node that dies mid-attempt only delays it by the lease.
CREATE TABLE webhook_messages (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_seq BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT,
    last_attempt_at BIGINT,
    last_status_code BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX webhook_messages_event_endpoint ON webhook_messages (event_id, endpoint_id);
CREATE INDEX webhook_messages_due ON webhook_messages (status, next_attempt_at);
CREATE INDEX webhook_messages_endpoint ON webhook_messages (endpoint_id, event_seq);

-- The delivery log: one row per attempt. `error` is short text about a failure (never a secret).
CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    status TEXT NOT NULL,
    response_status_code BIGINT,
    latency_ms BIGINT NOT NULL,
    error TEXT,
    next_attempt_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_message ON webhook_attempts (message_id, attempt);
