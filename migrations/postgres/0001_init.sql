-- reqdoctor's store, PostgreSQL flavour. Times are Unix seconds; Discord ids are BIGINT.

-- What a server's admins set with /reqdoctor settings (NULL: the config file's default).
CREATE TABLE guild_settings (
    guild_id      BIGINT PRIMARY KEY NOT NULL,
    cooldown_secs BIGINT,
    language      TEXT,
    confidence    TEXT,
    paused        BIGINT NOT NULL DEFAULT 0,
    review_log    BIGINT NOT NULL DEFAULT 1,
    updated_at    BIGINT NOT NULL
);

-- Channels switched on (enabled = 1) or off (enabled = 0) by a server's admins.
CREATE TABLE guild_channels (
    guild_id   BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    enabled    BIGINT NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
);

-- Replies the bot sent, for replies per entry per day. No text, no user ids.
CREATE TABLE replies (
    reply_id   BIGINT PRIMARY KEY NOT NULL,
    guild_id   BIGINT,
    channel_id BIGINT NOT NULL,
    entry_id   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX replies_created_at ON replies (created_at);

-- One vote per user per reply; a second click changes it.
CREATE TABLE votes (
    reply_id BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    entry_id TEXT NOT NULL,
    helpful  BIGINT NOT NULL,
    voted_at BIGINT NOT NULL,
    PRIMARY KEY (reply_id, user_id)
);
CREATE INDEX votes_entry_id ON votes (entry_id);

-- Unanswered questions and 👎 replies, for the people who keep the knowledge. No user ids.
CREATE TABLE review_log (
    id         BIGSERIAL PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    entry_id   TEXT,
    reply_id   BIGINT UNIQUE,
    text       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX review_log_created_at ON review_log (created_at);
