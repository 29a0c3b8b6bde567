-- SQLite flavour.
-- At most one reply per message across processes and restarts: a process claims a message
-- id here (INSERT … ON CONFLICT DO NOTHING) before it replies, and only the one whose insert
-- went in replies. Rows are purged with the review log once no gateway can replay them.
CREATE TABLE message_claims (
    message_id BIGINT PRIMARY KEY NOT NULL,
    claimed_at BIGINT NOT NULL
);
CREATE INDEX message_claims_claimed_at ON message_claims (claimed_at);
