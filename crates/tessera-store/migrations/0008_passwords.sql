-- Users' passwords (same rules as 0001: BIGINT epoch ms, no BLOB). One row per user who has a password,
-- kept out of `users.doc` so that no read of a user can return it. `digest` is the PHC string of the
-- Argon2id hash Tessera made (`hasher` 'argon2id'), or a digest imported with `password_digest`, as
-- given, under the name of its `password_hasher` ('bcrypt', 'pbkdf2_sha256', …) until its password
-- first verifies and it is replaced by an Argon2id hash. A user's row goes with the user (ON DELETE
-- CASCADE; SQLite runs with foreign keys on).
CREATE TABLE user_passwords (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hasher TEXT NOT NULL,
    digest TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
