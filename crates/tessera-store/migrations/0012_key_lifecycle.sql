-- Instance key lifecycle (issue 13): when a key may start signing, when it was retired, and the
-- longest lifetime (seconds) of any token it signed, from which the time it may leave the JWKS follows.
ALTER TABLE signing_keys ADD COLUMN sign_after BIGINT;
ALTER TABLE signing_keys ADD COLUMN retired_at BIGINT;
ALTER TABLE signing_keys ADD COLUMN max_token_lifetime BIGINT;
-- Keys from before this migration may have signed tokens of any lifetime the API allows (10 years).
UPDATE signing_keys SET max_token_lifetime = 315360000;
