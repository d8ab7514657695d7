-- List filters of users (same rules as 0001: BIGINT epoch ms, BIGINT 0/1, JSON as TEXT).
--
-- `sort_web3_wallet` is the lowercased address of the user's primary web3 wallet, for
-- `order_by=web3wallet`, written from the user on every write like the other sort_* columns.
--
-- `user_identifiers` needs no change: web3 wallets (kind 'web3', address lowercased) and external
-- accounts (kind 'account:<provider>', value the provider's user id) are rows there beside email
-- addresses and phone numbers, unique per kind, written on every write of the user. Users stored
-- before this migration hold neither (the API has never stored them), so nothing is backfilled.
ALTER TABLE users ADD COLUMN sort_web3_wallet TEXT;
