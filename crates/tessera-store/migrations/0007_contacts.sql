-- Email addresses and phone numbers (same rules as 0001: BIGINT epoch ms, BIGINT 0/1, JSON as TEXT).
--
-- They stay in their user's `doc` and, as unique identifiers, in `user_identifiers` (kind 'email' or
-- 'phone'), written on every write of the user, as before. `GET/PATCH/DELETE /email_addresses/{id}`
-- and `/phone_numbers/{id}` find the user holding an identifier by its id: this index serves that
-- lookup. Nothing is backfilled (the rows exist already).
CREATE INDEX user_identifiers_identifier_idx ON user_identifiers (identifier_id);
