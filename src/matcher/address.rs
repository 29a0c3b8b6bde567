//! A message that opens by addressing a person.
//!
//! `@lily error 12 就是超时，timeout 调大点` answers a colleague: the bot replying too would
//! repeat her, or contradict her. `@后端 小程序 wx.request 一直报 401，token 校验改了吗` hands a
//! failure over to a colleague: the bot has the answer the colleague is about to look up.
//! What tells them apart is whether the message explains (就是, 改成, you need to…) or
//! reports (an error string, a code, a fail object, 报错).

/// Words with which someone explains a fix to the person they address.
const EXPLANATIONS: &[&str] = &[
    "就是",
    "是因为",
    "原因是",
    "改成",
    "改一下",
    "加一下",
    "加上",
    "就行",
    "就好",
    "就可以",
    "记得",
    "不用管",
    "忽略",
    " is a ",
    " is just ",
    " is the ",
    " was the ",
    "it's the ",
    "it was ",
    " means ",
    "you need",
    "you have to",
    "you should",
    "you're good",
    "you are good",
    "you'll be fine",
    "fixed",
    "closing",
    "ignore",
    "can you review",
];

/// Whether the message opens by addressing people: `@name`, `@all`, `<@123>` or `<@!123>`
/// (not Discord's `@everyone` or `@here` pings, nor a role).
pub fn opens_with_mention(text: &str) -> bool {
    let t = text.trim_start();
    if t.starts_with("@everyone") || t.starts_with("@here") {
        return false;
    }
    t.starts_with("<@") && !t.starts_with("<@&")
        || t.starts_with('@') && t[1..].starts_with(|c: char| c.is_alphanumeric())
}

/// Whether `folded` (lower-cased) explains something to its reader.
pub fn explains(folded: &str) -> bool {
    EXPLANATIONS.iter().any(|w| folded.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_addressed_a_crowd_is_not() {
        assert!(opens_with_mention("@lily error 12 is a timeout"));
        assert!(opens_with_mention("<@!123> see above"));
        assert!(opens_with_mention("@后端 接口 401 了"));
        assert!(!opens_with_mention("@here my.request error 20 everywhere"));
        assert!(opens_with_mention("@all 明天服务器迁移"));
        assert!(!opens_with_mention("<@&42> on-call"));
        assert!(!opens_with_mention("email me @ 5pm"));
    }

    #[test]
    fn answers_explain_reports_do_not() {
        assert!(explains("@mike error 11 就是白名单没配，加一下就行"));
        assert!(explains("@li error 12 is a timeout, just raise it"));
        assert!(explains(
            "@lily for url not in domain list you need to add it in mp admin"
        ));
        assert!(!explains(
            "@后端 小程序 wx.request 收到的 statuscode 401 你们 token 校验改了吗"
        ));
        assert!(!explains(
            "@阿杰 体验版又挂了 wx.request 报 url not in domain list 谁动了后台服务器域名"
        ));
    }
}
