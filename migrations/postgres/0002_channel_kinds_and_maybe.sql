-- PostgreSQL flavour.
-- Channel kinds and the 💡 "maybe" offer.

-- What kind of channel an auto-reply channel is: 'support' (everything asked there is about
-- mini-program requests; the matcher is looser) or 'team' (team chat; strict). Rows written
-- before this migration were support channels.
ALTER TABLE guild_channels ADD COLUMN kind TEXT NOT NULL DEFAULT 'support';

-- Whether near-miss questions in support channels get a 💡 reaction the asker can click for
-- the answer (1, the default) or nothing (0).
ALTER TABLE guild_settings ADD COLUMN maybe BIGINT NOT NULL DEFAULT 1;
