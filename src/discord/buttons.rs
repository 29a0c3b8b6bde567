//! The buttons under a reply and their `custom_id`s. The ids carry everything a click needs
//! (entry, asker), so buttons keep working after a restart.

use poise::serenity_prelude as serenity;

use crate::reply::Lang;

/// What a button does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// 👍 or 👎 for an entry.
    Vote {
        /// The entry shown.
        entry_id: String,
        /// 👍.
        helpful: bool,
    },
    /// Delete the reply; only the asker (or a member with Manage Messages) may.
    Delete {
        /// The user who asked.
        asker: u64,
    },
}

const PREFIX: &str = "reqdoctor";

impl Action {
    /// The `custom_id` (at most 100 characters).
    pub fn custom_id(&self) -> String {
        let id = match self {
            Action::Vote {
                entry_id,
                helpful: true,
            } => format!("{PREFIX}:up:{entry_id}"),
            Action::Vote {
                entry_id,
                helpful: false,
            } => format!("{PREFIX}:down:{entry_id}"),
            Action::Delete { asker } => format!("{PREFIX}:del:{asker}"),
        };
        id.chars().take(100).collect()
    }

    /// Reads a `custom_id`; None for ids that are not ours.
    pub fn parse(custom_id: &str) -> Option<Action> {
        let rest = custom_id.strip_prefix(PREFIX)?.strip_prefix(':')?;
        let (kind, arg) = rest.split_once(':')?;
        match kind {
            "up" | "down" if !arg.is_empty() => Some(Action::Vote {
                entry_id: arg.to_string(),
                helpful: kind == "up",
            }),
            "del" => arg.parse().ok().map(|asker| Action::Delete { asker }),
            _ => None,
        }
    }
}

/// The row under an answer: 👍 helpful, 👎 not helpful, Delete. `entry_id` is None for a
/// "nothing matched" reply, which only gets Delete; `asker` None (ephemeral replies) drops it.
pub fn row(
    entry_id: Option<&str>,
    asker: Option<u64>,
    lang: Lang,
) -> Vec<serenity::CreateActionRow> {
    let zh = lang.is_zh();
    let mut buttons = Vec::new();
    if let Some(entry_id) = entry_id {
        buttons.push(
            serenity::CreateButton::new(
                Action::Vote {
                    entry_id: entry_id.to_string(),
                    helpful: true,
                }
                .custom_id(),
            )
            .label(if zh { "有帮助" } else { "helpful" })
            .emoji('👍')
            .style(serenity::ButtonStyle::Secondary),
        );
        buttons.push(
            serenity::CreateButton::new(
                Action::Vote {
                    entry_id: entry_id.to_string(),
                    helpful: false,
                }
                .custom_id(),
            )
            .label(if zh { "没帮助" } else { "not helpful" })
            .emoji('👎')
            .style(serenity::ButtonStyle::Secondary),
        );
    }
    if let Some(asker) = asker {
        buttons.push(
            serenity::CreateButton::new(Action::Delete { asker }.custom_id())
                .label(if zh { "删除" } else { "Delete" })
                .style(serenity::ButtonStyle::Danger),
        );
    }
    if buttons.is_empty() {
        Vec::new()
    } else {
        vec![serenity::CreateActionRow::Buttons(buttons)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip() {
        for a in [
            Action::Vote {
                entry_id: "alipay.error.14".into(),
                helpful: true,
            },
            Action::Vote {
                entry_id: "wechat.timeout".into(),
                helpful: false,
            },
            Action::Delete {
                asker: 123456789012345678,
            },
        ] {
            assert_eq!(Action::parse(&a.custom_id()), Some(a));
        }
        assert_eq!(Action::parse("other:up:x"), None);
        assert_eq!(Action::parse("reqdoctor:del:abc"), None);
        assert_eq!(Action::parse("reqdoctor:up:"), None);
    }

    #[test]
    fn row_has_three_buttons() {
        let rows = row(Some("alipay.error.14"), Some(5), Lang::En);
        let json = serde_json::to_value(&rows).unwrap();
        let buttons = json[0]["components"].as_array().unwrap();
        assert_eq!(buttons.len(), 3);
        assert_eq!(buttons[0]["label"], "helpful");
        assert_eq!(buttons[0]["emoji"]["name"], "👍");
        assert_eq!(buttons[2]["custom_id"], "reqdoctor:del:5");
        assert!(row(None, None, Lang::En).is_empty());
    }
}
