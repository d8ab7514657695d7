-- The event log: one ordered log that webhook delivery and cache invalidation both follow
-- (design.md §2b). Same rules as 0001: BIGINT epoch ms, JSON as TEXT.
--
-- Every write transaction appends its events as its LAST statements: it first takes the row lock on
-- `event_seq` (UPDATE … SET last_seq = last_seq + n), which it holds until it commits. So `seq` is
-- gapless and assigned in commit order on both databases: once a reader sees `seq = N`, every event
-- with a smaller `seq` is visible too, and a follower can read `seq > cursor` without missing any.
--
-- `id` (`msg_…`) is the event's stable identity (the `svix-id` of every delivery of it). `type` is
-- Clerk's event type (`user.created`, …); rows whose type starts with `tessera.` are internal changes
-- (templates, session claims, role sets, …) that only the change feed follows. `data` is the object
-- the API returns for it at the time of the write (a deleted object as `{object, id, deleted}`).
CREATE TABLE event_seq (
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
INSERT INTO event_seq (id, last_seq) VALUES (1, 0);

CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_created_at ON events (created_at);
