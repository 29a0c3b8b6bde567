//! Which platform a message is about, and whether an entry may answer it.
//!
//! A WeChat developer who gets an Alipay answer stops trusting the bot, and a Douyin
//! developer who gets WeChat's errno table is misled: the two tables share numbers, not
//! meanings. The platform comes from what the message names (an API prefix such as `wx.` or
//! `tt.`, a framework target such as `mp-weixin`, the platform's name: the vocabulary's
//! `[platforms]`), and only when it names none, from the family of the codes it carries
//! (`errno` is WeChat's, `error: 14` Alipay's). An entry answers for the platforms its
//! knowledge lists (`platforms`), never for ones the matcher guesses.

use crate::knowledge::{Code, Entry, Knowledge, Platform};

/// A set of platforms, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Platforms(u16);

impl Platforms {
    /// Adds `p`.
    pub fn insert(&mut self, p: Platform) {
        self.0 |= 1 << p as u16;
    }

    /// Whether `p` is in the set.
    pub fn contains(self, p: Platform) -> bool {
        self.0 & (1 << p as u16) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The platforms in the set, in [`Platform::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Platform> {
        Platform::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

/// How an entry's platforms relate to the message's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// The entry speaks for every platform (an HTTP status, a general fact).
    Neutral,
    /// The message names no platform.
    Unknown,
    /// The message names no platform, and the entry speaks only for platforms that people
    /// name when they mean them (Douyin, Baidu, QQ, Kuaishou, DingTalk: their codes, console
    /// paths and limits are their own). "下载域名怎么填" is not a Kuaishou question.
    Unnamed,
    /// The message names one of the entry's platforms.
    Same,
    /// The message names only other platforms.
    Other,
}

impl Fit {
    /// How much the fit moves an entry's score: a named platform breaks ties in its favour;
    /// another platform's entry drops below every threshold the bot speaks at.
    pub fn adjust(self) -> f32 {
        match self {
            Fit::Same => 0.05,
            Fit::Other => -0.35,
            Fit::Unnamed => -0.15,
            Fit::Neutral | Fit::Unknown => 0.0,
        }
    }
}

/// The platform a code family belongs to, when it has one.
pub fn code_family(code: Code) -> Option<Platform> {
    match code {
        Code::AlipayError(_) => Some(Platform::Alipay),
        Code::Errno(_) | Code::Net(_) => Some(Platform::Wechat),
        Code::Http(_) => None,
    }
}

/// The message's platforms: the named ones, else those of the codes' families (and of
/// `family`: what the shape of a pasted object says, e.g. `errMsg` is not Alipay's).
pub fn of_message(
    named: Platforms,
    family: Platforms,
    codes: impl Iterator<Item = Code>,
) -> Platforms {
    if !named.is_empty() {
        return named;
    }
    let mut from_codes = family;
    for p in codes.filter_map(code_family) {
        from_codes.insert(p);
    }
    from_codes
}

/// How `entry` fits a message about `message` platforms.
pub fn fit(entry: &Entry, message: Platforms) -> Fit {
    if entry.platform.is_neutral() {
        Fit::Neutral
    } else if message.is_empty() {
        if entry.platforms.iter().all(|p| named_when_meant(*p)) {
            Fit::Unnamed
        } else {
            Fit::Unknown
        }
    } else if entry.platforms.iter().any(|p| message.contains(*p)) {
        Fit::Same
    } else {
        Fit::Other
    }
}

/// Whether a question about `p` names it: the two big platforms are often left unsaid in a
/// mini-program channel, the others are not.
fn named_when_meant(p: Platform) -> bool {
    matches!(
        p,
        Platform::Dingtalk | Platform::Douyin | Platform::Baidu | Platform::Qq | Platform::Kuaishou
    )
}

/// A platform the message names that no entry of `knowledge` speaks for: the answer should
/// say so rather than pass another platform's table off as its own.
pub fn uncovered(knowledge: &Knowledge, message: Platforms) -> Option<Platform> {
    message
        .iter()
        .find(|p| !p.is_neutral() && !knowledge.entries().iter().any(|e| e.platforms.contains(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(platform: Platform, also: &[Platform]) -> Entry {
        let k = Knowledge::bundled().unwrap();
        let mut e = k.entries()[0].clone();
        e.platform = platform;
        e.platforms = std::iter::once(platform)
            .chain(also.iter().copied())
            .collect();
        e
    }

    fn set(ps: &[Platform]) -> Platforms {
        let mut s = Platforms::default();
        for p in ps {
            s.insert(*p);
        }
        s
    }

    #[test]
    fn named_platforms_win_over_code_families() {
        let douyin = set(&[Platform::Douyin]);
        assert_eq!(
            of_message(
                douyin,
                Platforms::default(),
                [Code::Errno(21103)].into_iter()
            ),
            douyin
        );
        assert_eq!(
            of_message(
                Platforms::default(),
                Platforms::default(),
                [Code::Errno(600002)].into_iter()
            ),
            set(&[Platform::Wechat])
        );
        assert!(of_message(
            Platforms::default(),
            Platforms::default(),
            [Code::Http(500)].into_iter()
        )
        .is_empty());
    }

    #[test]
    fn entries_answer_for_their_listed_platforms_only() {
        let alipay = entry(Platform::Alipay, &[Platform::Dingtalk]);
        assert_eq!(fit(&alipay, set(&[Platform::Dingtalk])), Fit::Same);
        assert_eq!(fit(&alipay, set(&[Platform::Wechat])), Fit::Other);
        assert_eq!(fit(&alipay, Platforms::default()), Fit::Unknown);
        let douyin = entry(Platform::Douyin, &[]);
        assert_eq!(fit(&douyin, Platforms::default()), Fit::Unnamed);
        assert_eq!(fit(&douyin, set(&[Platform::Douyin])), Fit::Same);
        assert!(Fit::Unnamed.adjust() < 0.0);
        let http = entry(Platform::Http, &[]);
        assert_eq!(fit(&http, set(&[Platform::Douyin])), Fit::Neutral);
        assert!(Fit::Other.adjust() < -0.3);
    }

    #[test]
    fn platforms_nobody_covers_are_named() {
        let k = Knowledge::bundled().unwrap();
        assert_eq!(
            uncovered(&k, set(&[Platform::Other])),
            Some(Platform::Other)
        );
        assert_eq!(uncovered(&k, set(&[Platform::Wechat])), None);
        // Douyin, Baidu, QQ and Kuaishou have entries of their own since issue 12.
        for p in [
            Platform::Douyin,
            Platform::Baidu,
            Platform::Qq,
            Platform::Kuaishou,
        ] {
            assert_eq!(uncovered(&k, set(&[p])), None, "{p:?}");
        }
    }
}
