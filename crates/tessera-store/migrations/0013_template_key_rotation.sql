-- Rotating a template's custom key (POST /v1/tessera/jwt_templates/{id}/rotate_key, issue 13).
--
-- `key_max_token_lifetime`: the longest lifetime (seconds) of a token the template's current custom
-- key signed, recorded before such a token is signed (as `signing_keys.max_token_lifetime`); cleared
-- when the key changes. Keys from before this migration may have signed tokens of any lifetime the
-- API allows (10 years, `expires_in_seconds`).
ALTER TABLE jwt_templates ADD COLUMN key_max_token_lifetime BIGINT;
UPDATE jwt_templates SET key_max_token_lifetime = 315360000 WHERE signing_key_sealed IS NOT NULL;

-- The public JWK (JSON) of each asymmetric custom key a rotation replaced, published in the JWKS
-- until `unpublish_at` (epoch ms): its longest token's lifetime plus the publish delay after
-- `retired_at`. The private key is not kept. Rows past `unpublish_at` are ignored, and removed by
-- the template's next rotation; all of a template's rows go with it, or when `PATCH` replaces its key.
CREATE TABLE jwt_template_retired_keys (
    template_id TEXT NOT NULL REFERENCES jwt_templates (id) ON DELETE CASCADE,
    kid TEXT NOT NULL,
    alg TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    retired_at BIGINT NOT NULL,
    unpublish_at BIGINT NOT NULL,
    PRIMARY KEY (template_id, kid)
);
CREATE INDEX jwt_template_retired_keys_unpublish_idx ON jwt_template_retired_keys (unpublish_at);
