//! Near-duplicate grouping of unanswered questions.
//!
//! The knowledge keepers want "what do people keep asking that we cannot answer", not 300
//! rows of the same question with different URLs. Each question gets a [`Fingerprint`];
//! questions join the group whose first member is most similar (Jaccard similarity of the
//! token sets at least [`SIMILAR_NUM`]/[`SIMILAR_DEN`]) and has exactly the same codes.
//! Candidate groups come from a prefix-filter index (rare tokens first), so the cost stays
//! near linear for the few thousand questions a report looks at.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::display::display_text;
use super::normalize::Fingerprint;
use crate::store::{ReviewItem, UnixTime};

/// Similarity threshold numerator: two questions are near-duplicates when
/// `|common tokens| / |all tokens| >= SIMILAR_NUM / SIMILAR_DEN` (0.6).
pub const SIMILAR_NUM: usize = 3;
/// Similarity threshold denominator, see [`SIMILAR_NUM`].
pub const SIMILAR_DEN: usize = 5;

/// Variants of a group's question shown besides its representative text.
pub const MAX_SAMPLES: usize = 3;

/// Unanswered questions that were asked in near-identical words, for the "most frequent
/// unanswered questions" table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnansweredGroup {
    /// The most common wording in the group (the earliest one on a tie), whitespace
    /// collapsed. User text: escape it before showing it in HTML.
    pub text: String,
    /// How many times it was asked.
    pub count: usize,
    /// When it was first asked (Unix seconds).
    pub first_seen: UnixTime,
    /// When it was last asked (Unix seconds).
    pub last_seen: UnixTime,
    /// In how many distinct channels (or threads) it was asked: one noisy channel or a
    /// common problem?
    pub channels: usize,
    /// The numbers and error codes every question in the group mentions (lower case).
    pub codes: Vec<String>,
    /// Up to [`MAX_SAMPLES`] other wordings, most common first.
    pub samples: Vec<String>,
}

/// One cluster while grouping: indexes into the item list, first member first.
struct Cluster {
    members: Vec<usize>,
}

/// Groups `items` (all unanswered questions, any order) into near-duplicate groups, sorted by
/// count (descending), then by last time asked (newest first).
pub(crate) fn group_questions(items: &[&ReviewItem]) -> Vec<UnansweredGroup> {
    // Oldest first, so a group's first member is the earliest wording.
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (items[i].at, i));

    let prints: Vec<Fingerprint> = items.iter().map(|i| Fingerprint::of(&i.text)).collect();
    let sets = ranked_sets(&prints);

    let mut clusters: Vec<Cluster> = Vec::new();
    // Exact token set of a cluster's first member (covers texts without tokens).
    let mut exact: HashMap<(&[String], &[u32]), usize> = HashMap::new();
    // Prefix token → clusters whose first member has it in its prefix.
    let mut index: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut seen: HashSet<usize> = HashSet::new();

    for &i in &order {
        let codes = prints[i].codes.as_slice();
        let set = sets[i].as_slice();
        if let Some(&c) = exact.get(&(codes, set)) {
            clusters[c].members.push(i);
            continue;
        }
        seen.clear();
        let mut best: Option<(usize, usize, usize)> = None; // (cluster, common, union)
        for token in &set[..prefix_len(set.len())] {
            for &c in index.get(token).into_iter().flatten() {
                if !seen.insert(c) {
                    continue;
                }
                let first = clusters[c].members[0];
                if prints[first].codes != prints[i].codes {
                    continue;
                }
                let common = common_count(set, &sets[first]);
                let union = set.len() + sets[first].len() - common;
                if common * SIMILAR_DEN < union * SIMILAR_NUM {
                    continue;
                }
                // Most similar wins; on a tie the older cluster.
                let better = match best {
                    None => true,
                    Some((bc, bcommon, bunion)) => {
                        let (l, r) = (common * bunion, bcommon * union);
                        l > r || (l == r && c < bc)
                    }
                };
                if better {
                    best = Some((c, common, union));
                }
            }
        }
        match best {
            Some((c, _, _)) => clusters[c].members.push(i),
            None => {
                let c = clusters.len();
                clusters.push(Cluster { members: vec![i] });
                exact.insert((codes, set), c);
                for &token in &set[..prefix_len(set.len())] {
                    index.entry(token).or_default().push(c);
                }
            }
        }
    }

    let mut groups: Vec<UnansweredGroup> = clusters
        .iter()
        .map(|c| summarise(items, &prints, c))
        .collect();
    groups.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_seen.cmp(&a.last_seen))
            .then_with(|| a.text.cmp(&b.text))
    });
    groups
}

/// Each fingerprint's tokens as ids ranked by how rare they are (rarest = 0), sorted: the
/// order prefix filtering needs.
fn ranked_sets(prints: &[Fingerprint]) -> Vec<Vec<u32>> {
    let mut freq: HashMap<&str, usize> = HashMap::new();
    for p in prints {
        for t in &p.tokens {
            *freq.entry(t.as_str()).or_default() += 1;
        }
    }
    let mut by_rarity: Vec<(&str, usize)> = freq.into_iter().collect();
    by_rarity.sort_unstable_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(b.0)));
    let rank: HashMap<&str, u32> = by_rarity
        .iter()
        .enumerate()
        .map(|(r, (t, _))| (*t, r as u32))
        .collect();
    prints
        .iter()
        .map(|p| {
            let mut s: Vec<u32> = p
                .tokens
                .iter()
                .filter_map(|t| rank.get(t.as_str()).copied())
                .collect();
            s.sort_unstable();
            s
        })
        .collect()
}

/// How many of a set's rarest tokens must be indexed so that any set at least as similar as
/// the threshold shares one of them: `n - ceil(t * n) + 1`.
fn prefix_len(n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let need = (SIMILAR_NUM * n).div_ceil(SIMILAR_DEN);
    (n + 1).saturating_sub(need).clamp(1, n)
}

/// Size of the intersection of two sorted sets.
fn common_count(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// The table row for one cluster.
fn summarise(items: &[&ReviewItem], prints: &[Fingerprint], cluster: &Cluster) -> UnansweredGroup {
    // Wording → (count, first index in time order, last time asked).
    let mut wordings: Vec<(String, usize, UnixTime)> = Vec::new();
    let mut channels: HashSet<(u64, u64)> = HashSet::new();
    let mut first_seen = UnixTime::MAX;
    let mut last_seen = UnixTime::MIN;
    for &m in &cluster.members {
        let item = items[m];
        first_seen = first_seen.min(item.at);
        last_seen = last_seen.max(item.at);
        channels.insert((item.guild_id, item.channel_id));
        let text = display_text(&item.text);
        match wordings.iter_mut().find(|w| w.0 == text) {
            Some(w) => {
                w.1 += 1;
                w.2 = w.2.max(item.at);
            }
            None => wordings.push((text, 1, item.at)),
        }
    }
    // Most common first; members are in time order, so the stable sort keeps the earliest
    // wording first on a tie.
    wordings.sort_by_key(|w| std::cmp::Reverse(w.1));
    let mut wordings = wordings.into_iter();
    let text = wordings.next().map(|w| w.0).unwrap_or_default();
    let mut rest: Vec<(String, usize, UnixTime)> = wordings.collect();
    rest.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)));
    let first = cluster.members.first().copied();
    UnansweredGroup {
        text,
        count: cluster.members.len(),
        first_seen,
        last_seen,
        channels: channels.len(),
        codes: first.map(|f| prints[f].codes.clone()).unwrap_or_default(),
        samples: rest.into_iter().take(MAX_SAMPLES).map(|w| w.0).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ReviewKind;

    fn item(text: &str, at: UnixTime, channel: u64) -> ReviewItem {
        ReviewItem {
            guild_id: 1,
            channel_id: channel,
            kind: ReviewKind::Unanswered,
            entry_id: None,
            text: text.to_string(),
            at,
        }
    }

    fn group(items: &[ReviewItem]) -> Vec<UnansweredGroup> {
        group_questions(&items.iter().collect::<Vec<_>>())
    }

    #[test]
    fn near_duplicates_share_a_group() {
        let g = group(&[
            item("my.request fails with error 14 on iOS", 10, 1),
            item("My.Request  fails with ERROR 14 on iOS!!", 20, 2),
            item("my.request fails with error 14 on iOS", 30, 1),
            item("my.request failing with error 14 on ios devices", 40, 3),
            item("how do I set a timeout for wx.request", 50, 1),
        ]);
        assert_eq!(g.len(), 2, "{g:#?}");
        assert_eq!(g[0].count, 4);
        assert_eq!(g[0].text, "my.request fails with error 14 on iOS");
        assert_eq!(g[0].first_seen, 10);
        assert_eq!(g[0].last_seen, 40);
        assert_eq!(g[0].channels, 3);
        assert_eq!(g[0].codes, ["14"]);
        assert_eq!(g[0].samples.len(), 2);
        assert_eq!(g[1].count, 1);
    }

    #[test]
    fn different_codes_are_never_grouped() {
        let g = group(&[
            item("error 14", 1, 1),
            item("error 19", 2, 1),
            item(
                "my.request fails with error 14 on iOS when posting json",
                3,
                1,
            ),
            item(
                "my.request fails with error 19 on iOS when posting json",
                4,
                1,
            ),
            item(
                "my.request fails with error N22106 on iOS when posting json",
                5,
                1,
            ),
        ]);
        assert_eq!(g.len(), 5, "{g:#?}");
        assert!(g.iter().all(|g| g.count == 1));
    }

    #[test]
    fn chinese_near_duplicates_share_a_group() {
        let g = group(&[
            item("小程序my.request报错14怎么办", 1, 1),
            item("小程序 my.request 报错 14 怎么解决", 2, 2),
            item("小程序ｍｙ．ｒｅｑｕｅｓｔ报错：１４，怎么办？", 3, 3),
            item("小程序my.request报错19怎么办", 4, 1),
            item("请问上传文件大小有限制吗", 5, 1),
        ]);
        assert_eq!(g.len(), 3, "{g:#?}");
        assert_eq!(g[0].count, 3);
        assert_eq!(g[0].codes, ["14"]);
    }

    #[test]
    fn ids_and_urls_do_not_split_groups() {
        let g = group(&[
            item(
                "request to https://a.example.com/api/x?id=1 fails, trace 0a1b2c3d4e5f",
                1,
                1,
            ),
            item(
                "request to https://a.example.com/other fails, trace 99ff00aa11bb22",
                2,
                1,
            ),
        ]);
        assert_eq!(g.len(), 1, "{g:#?}");
    }

    #[test]
    fn empty_texts_group_together() {
        let g = group(&[item("", 1, 1), item("  ", 2, 1), item("???", 3, 1)]);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].count, 3);
    }

    #[test]
    fn sorted_by_count_then_newest() {
        let g = group(&[
            item("alpha beta gamma", 1, 1),
            item("delta epsilon zeta", 5, 1),
            item("eta theta iota", 2, 1),
            item("eta theta iota", 3, 1),
        ]);
        let texts: Vec<&str> = g.iter().map(|g| g.text.as_str()).collect();
        assert_eq!(
            texts,
            ["eta theta iota", "delta epsilon zeta", "alpha beta gamma"]
        );
    }

    #[test]
    fn prefix_is_long_enough() {
        // n=5, t=0.6: ceil(3) → 5 - 3 + 1 = 3.
        assert_eq!(prefix_len(5), 3);
        assert_eq!(prefix_len(1), 1);
        assert_eq!(prefix_len(0), 0);
    }

    #[test]
    fn many_distinct_questions_stay_fast() {
        // Letters only, so no codes keep the questions apart: similarity does all the work.
        let word = |mut n: i64| {
            let mut w = String::new();
            loop {
                w.push(char::from(b'a' + (n % 26) as u8));
                n /= 26;
                if n == 0 {
                    return w;
                }
            }
        };
        let items: Vec<ReviewItem> = (0..5_000)
            .map(|i| {
                let text = format!(
                    "question about {} and {} {}",
                    word(i % 97),
                    word(i),
                    word(i * 7)
                );
                item(&text, i, 1)
            })
            .collect();
        let start = std::time::Instant::now();
        let g = group(&items);
        assert!(!g.is_empty());
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    }
}
