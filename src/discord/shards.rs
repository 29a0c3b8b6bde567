//! Which gateway shards this process runs: `auto` (Discord's recommended count from
//! `GET /gateway/bot`, every shard in this process), `N` (shards 0..N of N here) or
//! `FIRST-LAST/TOTAL` (shards FIRST..=LAST of TOTAL here, the rest in other processes).
//!
//! Discord sends each server's events to shard `(guild_id >> 22) % TOTAL` and direct
//! messages to shard 0, so processes that split the shards between them never see the same
//! server's messages.

use std::fmt;

/// The shards one process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shards {
    /// As many as Discord recommends, all in this process.
    #[default]
    Auto,
    /// This many, all in this process.
    Count(u32),
    /// Shards `first..=last` of `total`; other processes run the rest.
    Range {
        /// The first shard id this process runs.
        first: u32,
        /// The last shard id this process runs (included).
        last: u32,
        /// How many shards there are over all processes.
        total: u32,
    },
}

/// Discord's upper bound on a shard count is far below this; a bigger number is a typo.
pub const MAX_SHARDS: u32 = 65_536;

impl Shards {
    /// Reads `auto`, `N` or `FIRST-LAST/TOTAL`; the error says what is wrong (the caller
    /// adds where the value came from).
    pub fn parse(s: &str) -> Result<Shards, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Shards::Auto);
        }
        let number = |part: &str, what: &str| {
            part.trim()
                .parse::<u32>()
                .map_err(|_| format!("`{s}`: {what} `{}` is not a whole number", part.trim()))
        };
        let Some((range, total)) = s.split_once('/') else {
            if !s.bytes().all(|b| b.is_ascii_digit()) || s.is_empty() {
                return Err(format!(
                    "`{s}` is not auto, a shard count (N) or a range of shards (FIRST-LAST/TOTAL, e.g. 0-1/4)"
                ));
            }
            let n = number(s, "the shard count")?;
            return match n {
                0 => Err("0 shards: a process runs at least one".to_string()),
                n if n > MAX_SHARDS => Err(format!("{n} shards is more than {MAX_SHARDS}")),
                n => Ok(Shards::Count(n)),
            };
        };
        let total = number(total, "TOTAL")?;
        let (first, last) = match range.split_once('-') {
            Some((a, b)) => (number(a, "FIRST")?, number(b, "LAST")?),
            None => {
                let one = number(range, "FIRST")?;
                (one, one)
            }
        };
        if total == 0 || total > MAX_SHARDS {
            return Err(format!("`{s}`: TOTAL must be between 1 and {MAX_SHARDS}"));
        }
        if first > last {
            return Err(format!("`{s}`: FIRST ({first}) is after LAST ({last})"));
        }
        if last >= total {
            return Err(format!(
                "`{s}`: shard ids go from 0 to TOTAL-1 ({}), so LAST cannot be {last}",
                total - 1
            ));
        }
        Ok(Shards::Range { first, last, total })
    }

    /// How many shards this process runs, when known before Discord is asked.
    pub fn local_count(self) -> Option<u32> {
        match self {
            Shards::Auto => None,
            Shards::Count(n) => Some(n),
            Shards::Range { first, last, .. } => Some(last - first + 1),
        }
    }

    /// The shard that receives `guild`'s events among `total` shards.
    pub fn shard_of(guild: u64, total: u32) -> u32 {
        ((guild >> 22) % u64::from(total.max(1))) as u32
    }
}

impl fmt::Display for Shards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shards::Auto => f.write_str("auto"),
            Shards::Count(n) => write!(f, "{n}"),
            Shards::Range { first, last, total } => write!(f, "{first}-{last}/{total}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms() {
        assert_eq!(Shards::parse(" AUTO "), Ok(Shards::Auto));
        assert_eq!(Shards::parse("4"), Ok(Shards::Count(4)));
        assert_eq!(
            Shards::parse("2-3/4"),
            Ok(Shards::Range {
                first: 2,
                last: 3,
                total: 4
            })
        );
        assert_eq!(
            Shards::parse("3/4"),
            Ok(Shards::Range {
                first: 3,
                last: 3,
                total: 4
            })
        );
        for s in ["auto", "7", "0-1/4", "3-3/4"] {
            assert_eq!(Shards::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Shards::parse("0-1/4").unwrap().local_count(), Some(2));
        assert_eq!(Shards::Auto.local_count(), None);
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        let err = |s: &str| Shards::parse(s).unwrap_err();
        assert_eq!(
            err("many"),
            "`many` is not auto, a shard count (N) or a range of shards (FIRST-LAST/TOTAL, e.g. 0-1/4)"
        );
        assert_eq!(err("0"), "0 shards: a process runs at least one");
        assert!(err("-1").starts_with("`-1` is not auto"));
        assert_eq!(err("2-1/4"), "`2-1/4`: FIRST (2) is after LAST (1)");
        assert_eq!(
            err("0-4/4"),
            "`0-4/4`: shard ids go from 0 to TOTAL-1 (3), so LAST cannot be 4"
        );
        assert_eq!(err("0-1/0"), "`0-1/0`: TOTAL must be between 1 and 65536");
        assert_eq!(err("0-x/4"), "`0-x/4`: LAST `x` is not a whole number");
        assert_eq!(
            err("99999999999"),
            "`99999999999`: the shard count `99999999999` is not a whole number"
        );
        assert_eq!(err("70000"), "70000 shards is more than 65536");
    }

    #[test]
    fn guilds_go_to_discords_shard() {
        // Discord's formula: (guild_id >> 22) % total.
        assert_eq!(Shards::shard_of(41771983423143937, 1), 0);
        assert_eq!(
            Shards::shard_of(41771983423143937, 4),
            (41771983423143937u64 >> 22) as u32 % 4
        );
        assert_eq!(Shards::shard_of(5 << 22, 4), 1);
        assert_eq!(Shards::shard_of(5 << 22, 0), 0, "never divides by zero");
    }
}
