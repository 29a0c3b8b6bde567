//! Another platform's error string, met on a platform of its own.
//!
//! `qq.request 报 url not in domain list` quotes WeChat's error string, and the phrase belongs
//! to `wechat.fail.domain-list`; but the message names QQ, so WeChat's entry may not answer
//! it, and before this the bot stayed silent although `qq.domain-rules` is the answer. The
//! knowledge says which entry stands for which (`counterpart_of`); when a message names an
//! entry's platform, the strong evidence found for the entries it stands for is carried
//! over to it. The matcher never guesses the correspondence.

use crate::knowledge::Knowledge;

/// For each entry, the entries (of other platforms) that answer its error on theirs.
#[derive(Debug, Clone, Default)]
pub struct Counterparts {
    of: Vec<Vec<u32>>,
    /// Whether any entry has one: most knowledge sets skip the pass on every message.
    any: bool,
}

impl Counterparts {
    /// Indexes every entry's `counterpart_of` (ids were checked when the knowledge loaded;
    /// an unknown one is skipped).
    pub fn new(knowledge: &Knowledge) -> Self {
        let mut of = vec![Vec::new(); knowledge.entries().len()];
        for (i, e) in knowledge.entries().iter().enumerate() {
            for target in &e.counterpart_of {
                if let Some(t) = knowledge.index_of(target) {
                    of[t].push(i as u32);
                }
            }
        }
        let any = of.iter().any(|v| !v.is_empty());
        Counterparts { of, any }
    }

    /// The entries that stand for `entry` on their own platforms.
    pub fn of(&self, entry: u32) -> &[u32] {
        self.of.get(entry as usize).map_or(&[], Vec::as_slice)
    }

    /// Whether no entry has a counterpart (messages then skip the pass).
    pub fn is_empty(&self) -> bool {
        !self.any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_domain_errors_have_platform_counterparts() {
        let k = Knowledge::bundled().unwrap();
        let c = Counterparts::new(&k);
        let list = k.index_of("wechat.fail.domain-list").unwrap() as u32;
        let names: Vec<&str> = c
            .of(list)
            .iter()
            .map(|&i| k.entries()[i as usize].id.as_str())
            .collect();
        for id in [
            "qq.domain-rules",
            "douyin.domain-rules",
            "baidu.domain-rules",
        ] {
            assert!(names.contains(&id), "{id} missing from {names:?}");
        }
        let timeout = k.index_of("http.500").unwrap() as u32;
        assert!(c.of(timeout).is_empty());
    }
}
