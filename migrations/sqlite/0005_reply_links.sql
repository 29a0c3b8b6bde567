-- SQLite flavour.
-- Which reply answered which message, so that an edit or deletion of the question still
-- reaches its reply after a restart or in another process. No text and no user ids: the
-- asker comes with the edit event. Rows are purged with the message claims.
CREATE TABLE reply_links (
    question_id BIGINT PRIMARY KEY NOT NULL,
    reply_id    BIGINT NOT NULL,
    guild_id    BIGINT,
    channel_id  BIGINT NOT NULL,
    entry_id    TEXT,
    lookup      BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX reply_links_reply_id ON reply_links (reply_id);
CREATE INDEX reply_links_created_at ON reply_links (created_at);
