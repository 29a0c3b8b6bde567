//! Slash and context-menu commands, one function each; the doc comments are the help text
//! Discord shows.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::answer::{self, Diagnosis, Said, Thresholds};
use super::config::Language;
use super::{buttons, embed, rest, BotError, Context, Data};
use crate::knowledge::Platform;
use crate::matcher::{Channel, Mode};
use crate::reply::Lang;
use crate::text::is_cjk;

/// Every command the bot registers.
pub fn all() -> Vec<poise::Command<Data, BotError>> {
    vec![
        ask(),
        code(),
        faq(),
        diagnose(),
        super::settings::reqdoctor(),
    ]
}

/// The reply language this server chose (or the config file's).
async fn server_language(ctx: Context<'_>) -> Language {
    ctx.data()
        .effective(
            ctx.guild_id().map(|g| g.get()),
            ctx.channel_id().get(),
            None,
        )
        .await
        .language
}

/// The language for a command: the server's fixed one, else the text's (Chinese when it is
/// mostly Chinese), else, for text without words (a bare code), the caller's Discord locale.
fn lang_for(ctx: Context<'_>, language: Language, text: &str) -> Lang {
    let has_words = text.chars().any(|c| c.is_ascii_alphabetic() || is_cjk(c));
    match language {
        Language::Auto if has_words => Lang::detect(text),
        _ => locale_lang(ctx, language),
    }
}

fn locale_lang(ctx: Context<'_>, language: Language) -> Lang {
    match language {
        Language::Fixed(l) => l,
        Language::Auto if ctx.locale().is_some_and(|l| l.starts_with("zh")) => Lang::Zh,
        Language::Auto => Lang::En,
    }
}

/// Sends `said` as the interaction response: ephemeral unless `public`, never pinging.
async fn respond(ctx: Context<'_>, said: Said, public: bool) -> Result<(), BotError> {
    let asker = public.then(|| ctx.author().id.get());
    let reply = CreateReply::default()
        .embed(said.embed.to_builder())
        .components(buttons::row(said.entry_id.as_deref(), asker, said.lang))
        .allowed_mentions(rest::no_mentions())
        .ephemeral(!public);
    rest::retry("command response", || ctx.send(reply.clone())).await?;
    if let Some(entry) = &said.entry_id {
        // Counted in replies per day like a chat answer; the interaction's id stands for the
        // reply's (an ephemeral response has no message id of its own to fetch).
        let guild = ctx.guild_id().map(|g| g.get());
        super::events::record_reply(ctx.data(), ctx.id(), guild, ctx.channel_id().get(), entry);
    }
    tracing::info!(command = %ctx.command().qualified_name, entry = ?said.entry_id, public, "answered");
    Ok(())
}

/// Looks up `question` as an entry id first, then asks the matcher in Lookup mode.
async fn lookup(ctx: Context<'_>, question: &str) -> Said {
    let data = ctx.data();
    let language = server_language(ctx).await;
    let matcher = data.matcher();
    let knowledge = matcher.knowledge();
    if let Some(said) = answer::by_id(knowledge, question, locale_lang(ctx, language)) {
        return said;
    }
    let lang = lang_for(ctx, language, question);
    let thresholds = Thresholds {
        auto: data.settings.auto_confidence,
        lookup: data.settings.lookup_confidence,
    };
    match answer::diagnose(
        &matcher,
        question,
        Mode::Lookup,
        Channel::Support,
        lang,
        thresholds,
    ) {
        Diagnosis::Say(said) => said,
        // Lookup mode always says something; keep a safe fallback anyway.
        Diagnosis::Silent { .. } => Said {
            embed: embed::no_match(knowledge, &[], lang),
            entry_id: None,
            lang,
        },
    }
}

/// Autocomplete for `/ask`: entry ids and titles in both languages.
async fn complete_entry(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let matcher = ctx.data().matcher();
    let knowledge = matcher.knowledge();
    let needle = partial.trim().to_lowercase();
    let zh_ui = ctx.locale().is_some_and(|l| l.starts_with("zh")) || partial.chars().any(is_cjk);
    let choices = knowledge
        .entries()
        .iter()
        .filter_map(|e| {
            let en_hit = e.title.en.to_lowercase().contains(&needle);
            let zh_hit = e.title.zh.contains(partial.trim());
            let id_hit = e.id.contains(&needle);
            if !(needle.is_empty() || en_hit || zh_hit || id_hit) {
                return None;
            }
            let title = if (zh_hit || zh_ui) && !en_hit {
                &e.title.zh
            } else {
                &e.title.en
            };
            let name = embed::clip(&format!("{title} · {}", e.id), 100);
            Some(serenity::AutocompleteChoice::new(name, e.id.clone()))
        })
        .take(25)
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Autocomplete for `/code`: every code an entry answers.
async fn complete_code(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let matcher = ctx.data().matcher();
    let knowledge = matcher.knowledge();
    let zh = ctx.locale().is_some_and(|l| l.starts_with("zh"));
    let needle: String = partial
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut codes: Vec<(crate::knowledge::Code, &str)> = knowledge
        .entries()
        .iter()
        .flat_map(|e| e.all_codes().map(move |c| (c, e.title.pick(zh).as_str())))
        .filter(|(c, _)| {
            let s = c.to_string();
            needle.is_empty()
                || s.contains(&needle)
                || s.replace(':', "").contains(&needle.replace(':', ""))
        })
        .collect();
    codes.sort_by_key(|(c, _)| *c);
    let choices = codes
        .into_iter()
        .take(25)
        .map(|(c, title)| {
            serenity::AutocompleteChoice::new(
                embed::clip(&format!("{c} — {title}"), 100),
                c.to_string(),
            )
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Answer a my.request / wx.request error or question (only you see it unless public).
#[poise::command(slash_command)]
pub async fn ask(
    ctx: Context<'_>,
    #[description = "The error text, the fail object, your question, or an entry id"]
    #[autocomplete = "complete_entry"]
    #[max_length = 4000]
    question: String,
    #[description = "Show the answer to everyone in the channel (default: only you)"]
    public: Option<bool>,
) -> Result<(), BotError> {
    let said = lookup(ctx, &question).await;
    respond(ctx, said, public.unwrap_or(false)).await
}

/// Explain an error code such as error:14, errno:600002 or http:401.
#[poise::command(slash_command)]
pub async fn code(
    ctx: Context<'_>,
    #[description = "The code, e.g. error:14, errno:600002, http:401, net:-2"]
    #[autocomplete = "complete_code"]
    #[max_length = 40]
    code: String,
    #[description = "Show the answer to everyone in the channel (default: only you)"]
    public: Option<bool>,
) -> Result<(), BotError> {
    let lang = locale_lang(ctx, server_language(ctx).await);
    let matcher = ctx.data().matcher();
    let known = answer::parse_code(&code)
        .and_then(|c| answer::by_code(matcher.knowledge(), c, &code, lang));
    let said = match known {
        Some(said) => said,
        None => lookup(ctx, &code).await,
    };
    respond(ctx, said, public.unwrap_or(false)).await
}

/// A platform to browse.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum FaqPlatform {
    /// Alipay.
    #[name = "Alipay my.request"]
    Alipay,
    /// WeChat.
    #[name = "WeChat wx.request"]
    Wechat,
    /// HTTP statuses.
    #[name = "HTTP status codes"]
    Http,
    /// DingTalk.
    #[name = "DingTalk"]
    Dingtalk,
    /// Not platform-specific.
    #[name = "General"]
    General,
}

impl From<FaqPlatform> for Platform {
    fn from(p: FaqPlatform) -> Platform {
        match p {
            FaqPlatform::Alipay => Platform::Alipay,
            FaqPlatform::Wechat => Platform::Wechat,
            FaqPlatform::Http => Platform::Http,
            FaqPlatform::Dingtalk => Platform::Dingtalk,
            FaqPlatform::General => Platform::General,
        }
    }
}

/// Browse the known errors and questions of one platform.
#[poise::command(slash_command)]
pub async fn faq(
    ctx: Context<'_>,
    #[description = "Which platform"] platform: FaqPlatform,
    #[description = "Show the list to everyone in the channel (default: only you)"] public: Option<
        bool,
    >,
) -> Result<(), BotError> {
    let lang = locale_lang(ctx, server_language(ctx).await);
    let said = Said {
        embed: embed::faq(ctx.data().matcher().knowledge(), platform.into(), lang),
        entry_id: None,
        lang,
    };
    respond(ctx, said, public.unwrap_or(false)).await
}

/// Diagnose this message with reqdoctor (only you see the answer).
#[poise::command(context_menu_command = "Diagnose with reqdoctor")]
pub async fn diagnose(ctx: Context<'_>, message: serenity::Message) -> Result<(), BotError> {
    let me = ctx.framework().bot_id().get();
    let text = answer::strip_mention(&message.content, me);
    let said = lookup(ctx, &text).await;
    respond(ctx, said, false).await
}
