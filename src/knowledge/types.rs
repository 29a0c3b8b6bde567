//! Typed knowledge entries, independent of the TOML they were read from.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Which platform an entry speaks about; used to break ties between similar entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    /// Alipay mini programs (`my.request`).
    Alipay,
    /// WeChat mini programs (`wx.request`).
    Wechat,
    /// DingTalk mini programs (`my.httpRequest` / `dd.httpRequest`).
    Dingtalk,
    /// Douyin / ByteDance mini programs (`tt.request`).
    Douyin,
    /// Baidu smart programs (`swan.request`).
    Baidu,
    /// QQ mini programs (`qq.request`).
    Qq,
    /// Kuaishou mini programs (`ks.request`).
    Kuaishou,
    /// Any other mini-program platform (Xiaohongshu `xhs.request`, Feishu, quick apps): named
    /// only so that no covered platform's table is passed off as its answer.
    Other,
    /// HTTP statuses returned by the developer's own backend.
    Http,
    /// Not tied to one platform.
    General,
}

impl Platform {
    /// The lower-case name used in knowledge files.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Alipay => "alipay",
            Platform::Wechat => "wechat",
            Platform::Dingtalk => "dingtalk",
            Platform::Douyin => "douyin",
            Platform::Baidu => "baidu",
            Platform::Qq => "qq",
            Platform::Kuaishou => "kuaishou",
            Platform::Other => "other",
            Platform::Http => "http",
            Platform::General => "general",
        }
    }

    /// Every platform, for listings and vocabulary checks.
    pub const ALL: [Platform; 10] = [
        Platform::Alipay,
        Platform::Wechat,
        Platform::Dingtalk,
        Platform::Douyin,
        Platform::Baidu,
        Platform::Qq,
        Platform::Kuaishou,
        Platform::Other,
        Platform::Http,
        Platform::General,
    ];

    /// The names accepted in knowledge files, for error messages.
    pub const NAMES: &'static str =
        "alipay, wechat, dingtalk, douyin, baidu, qq, kuaishou, other, http, general";

    /// Whether the entry speaks for every platform (an HTTP status of the developer's own
    /// backend, a general fact) rather than for one platform's request API.
    pub fn is_neutral(self) -> bool {
        matches!(self, Platform::Http | Platform::General)
    }
}

impl FromStr for Platform {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or(())
    }
}

/// A text in both languages every entry must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Localized<T> {
    /// Chinese.
    pub zh: T,
    /// English.
    pub en: T,
}

impl<T> Localized<T> {
    /// The Chinese text when `zh` is true, else the English.
    pub fn pick(&self, zh: bool) -> &T {
        if zh {
            &self.zh
        } else {
            &self.en
        }
    }
}

/// A typed code that the matcher extracts from messages and an entry claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// Alipay `my.request` fail code (`error: 14`).
    AlipayError(u32),
    /// WeChat `errno` (`600002`).
    Errno(u32),
    /// HTTP status code (`401`).
    Http(u16),
    /// Chromium net error number (`-2` for `ERR_FAILED`).
    Net(i32),
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::AlipayError(n) => write!(f, "error:{n}"),
            Code::Errno(n) => write!(f, "errno:{n}"),
            Code::Http(n) => write!(f, "http:{n}"),
            Code::Net(n) => write!(f, "net:{n}"),
        }
    }
}

impl FromStr for Code {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (kind, num) = s.split_once(':').ok_or_else(|| {
            format!("`{s}` is not `kind:number` (error:14, errno:600002, http:401, net:-2)")
        })?;
        let bad = |_| format!("`{num}` is not a valid number for `{kind}`");
        match kind {
            "error" => num.parse().map(Code::AlipayError).map_err(bad),
            "errno" => num.parse().map(Code::Errno).map_err(bad),
            "http" => {
                let n: u16 = num.parse().map_err(bad)?;
                if (100..=999).contains(&n) {
                    Ok(Code::Http(n))
                } else {
                    Err(format!("`{n}` is not a three-digit HTTP status"))
                }
            }
            "net" => {
                let n: i32 = num.parse().map_err(bad)?;
                if n < 0 {
                    Ok(Code::Net(n))
                } else {
                    Err(format!("Chromium net errors are negative, not `{n}`"))
                }
            }
            other => Err(format!(
                "unknown code kind `{other}` (expected error, errno, http or net)"
            )),
        }
    }
}

/// An official documentation link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The https URL.
    pub url: String,
    /// What the reader will find there.
    pub title: Localized<String>,
}

/// One row of an entry's code table (an errno, a Chromium net error…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// The code this row explains.
    pub code: Code,
    /// The platform's own message for it, quoted exactly.
    pub message: String,
    /// What it means.
    pub meaning: Localized<String>,
}

/// An example message with its location, so a failing example can be pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The message.
    pub text: String,
    /// 1-based line in its file.
    pub line: usize,
    /// 1-based column in its file.
    pub col: usize,
    /// The file it came from.
    pub file: String,
    /// Where it sits in that file, `entry[N].examples[M]` (N counted within the file).
    pub field: String,
}

/// One answer the bot can give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Stable id (`alipay.error.14`); a contract with outside tools.
    pub id: String,
    /// Platform the entry is about.
    pub platform: Platform,
    /// Every platform on which the entry's facts hold (its `platform` first); from the
    /// file's `platforms`, else just `platform`. The matcher never guesses this.
    pub platforms: Vec<Platform>,
    /// Short title.
    pub title: Localized<String>,
    /// Why it happens.
    pub cause: Localized<String>,
    /// What to do, in order.
    pub fix: Localized<Vec<String>>,
    /// Official documentation.
    pub links: Vec<Link>,
    /// Related entries shown as "also see".
    pub see_also: Vec<String>,
    /// Other platforms' entries whose error this entry answers on its own platforms:
    /// `url not in domain list` on a `qq.request` is QQ's domain rules, not WeChat's list.
    /// The matcher moves such an error to this entry only when the message names one of its
    /// platforms; it never guesses the correspondence.
    pub counterpart_of: Vec<String>,
    /// Codes this entry answers.
    pub codes: Vec<Code>,
    /// Codes owned by other entries that this question is often asked with ("error 12 while
    /// debugging locally on iOS"): when its keywords match fully, this entry outranks theirs.
    pub related_codes: Vec<Code>,
    /// Literal strings that identify this entry.
    pub phrases: Vec<String>,
    /// Regular expressions that identify this entry.
    pub patterns: Vec<String>,
    /// Keyword groups (all groups must hit, any term per group), concepts expanded.
    pub keywords: Vec<Vec<String>>,
    /// Example messages, each of which must match this entry.
    pub examples: Vec<Example>,
    /// Code table rows; their codes are claimed too.
    pub table: Vec<TableRow>,
}

impl Entry {
    /// Every code the entry claims: its `codes` and its table rows.
    pub fn all_codes(&self) -> impl Iterator<Item = Code> + '_ {
        self.codes
            .iter()
            .copied()
            .chain(self.table.iter().map(|r| r.code))
    }

    /// The table row for `code`, if the entry has one.
    pub fn row(&self, code: Code) -> Option<&TableRow> {
        self.table.iter().find(|r| r.code == code)
    }
}

/// Shared word lists.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Words that alone show a message is about mini-program requests.
    pub context_strong: Vec<String>,
    /// Words that show it together with a question.
    pub context_weak: Vec<String>,
    /// Question markers.
    pub question: Vec<String>,
    /// Words saying the problem is already solved.
    pub resolved: Vec<String>,
    /// Error words ("报错", "failed"): with a context word, a message worth reviewing when
    /// nothing answers it.
    pub error: Vec<String>,
    /// Platform hints.
    pub platforms: BTreeMap<Platform, Vec<String>>,
    /// Words that put a message plainly outside mini programs (a web page, a native app,
    /// nginx, a build tool): with none of `mini_program`, the bot stays silent.
    pub elsewhere: Vec<String>,
    /// Words only a mini-program message uses (`wx.request`, `小程序`): they outweigh
    /// `elsewhere` ("works in H5, fails in the mini program").
    pub mini_program: Vec<String>,
    /// Named concepts usable as `@name` in keywords.
    pub concepts: BTreeMap<String, Vec<String>>,
}
