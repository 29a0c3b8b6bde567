//! Which cross-platform framework a message is written for: uni-app or Taro.
//!
//! A developer who calls `uni.request` meets the framework's wrapper first: its promise
//! shape, its H5 build, its `localhost` rules. When the message names the framework, the
//! framework's own entries (ids `uniapp.…`, `taro.…`, a contract) go before a platform's
//! entry that says something close; the platform's entries still answer what the wrapper
//! passes through (an errno, a domain list).

/// A framework, with the words that name it (folded) and the id prefix of its entries.
struct Framework {
    names: &'static [&'static str],
    prefix: &'static str,
}

const FRAMEWORKS: [Framework; 2] = [
    Framework {
        names: &[
            "uni.request",
            "uni.uploadfile",
            "uni.downloadfile",
            "uni-app",
            "uniapp",
            "uni app",
            "hbuilder",
        ],
        prefix: "uniapp.",
    },
    Framework {
        names: &["taro.request", "taro", "@tarojs"],
        prefix: "taro.",
    },
];

/// How much a named framework lifts its own entries: more than a named platform's tie-break
/// (a Taro question about interceptors is not Alipay's `beforeSend`), less than a code.
const NAMED_FRAMEWORK: f32 = 0.1;

/// The frameworks a message names, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Frameworks(u8);

impl Frameworks {
    /// Reads the frameworks `folded` (lower-cased text) names.
    pub fn of(folded: &str) -> Self {
        let mut bits = 0u8;
        for (i, f) in FRAMEWORKS.iter().enumerate() {
            if f.names.iter().any(|n| folded.contains(n)) {
                bits |= 1 << i;
            }
        }
        Frameworks(bits)
    }

    /// Whether the message names any framework.
    pub fn any(self) -> bool {
        self.0 != 0
    }

    /// What the named frameworks add to the entry `id`.
    pub fn adjust(self, id: &str) -> f32 {
        let named = FRAMEWORKS
            .iter()
            .enumerate()
            .any(|(i, f)| self.0 & (1 << i) != 0 && id.starts_with(f.prefix));
        if named {
            NAMED_FRAMEWORK
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_framework_lifts_its_own_entries_only() {
        let uni = Frameworks::of("uni.request localhost 真机连不上");
        assert!(uni.adjust("uniapp.faq.localhost") > 0.0);
        assert_eq!(uni.adjust("taro.faq.interceptor"), 0.0);
        assert_eq!(uni.adjust("alipay.faq.ip-ipv6"), 0.0);
        let none = Frameworks::of("wx.request localhost");
        assert_eq!(none.adjust("uniapp.faq.localhost"), 0.0);
        assert!(
            Frameworks::of("how do i add an interceptor in taro").adjust("taro.faq.interceptor")
                > 0.0
        );
    }
}
