//! End-to-end scenarios: the real serenity + poise client, in this process, against the fake
//! Discord in `tests/fake_discord/`. Every assertion is on the REST calls the bot made.
//!
//! Silence is never asserted by sleeping alone: after the message that must get no answer,
//! a second message that does get one is sent, and the only reply must be to the second.

mod bot_harness;
mod common;
mod fake_discord;

use std::time::Duration;

use bot_harness::*;
use fake_discord::{dm, fixture, ids::*, message, reaction_add, sf, with, MOD_PERMISSIONS};
use reqdoctor::store::Tally;
use serde_json::json;

#[test]
fn fixtures_deserialize_into_serenity_types() {
    use poise::serenity_prelude as serenity;
    // A fixture that does not deserialize turns into Event::Unknown silently in serenity.
    let msg = message(mid(1), "x");
    serde_json::from_value::<serenity::Message>(msg).expect("message_create.json");
    serde_json::from_value::<serenity::Message>(dm(mid(2), "x")).expect("message_create_dm.json");
    let guild = fixture("guild_create.json", &[]);
    let g: serenity::Guild = serde_json::from_value(guild).expect("guild_create.json");
    assert_eq!(g.threads.len(), 1);
    assert_eq!(g.members.len(), 1);
    let ready = fixture(
        "ready.json",
        &[("SESSION", json!("s")), ("GATEWAY", json!("ws://x"))],
    );
    serde_json::from_value::<serenity::Ready>(ready).expect("ready.json");
    serde_json::from_value::<serenity::CurrentUser>(fixture("user_me.json", &[]))
        .expect("user_me.json");
    serde_json::from_value::<serenity::Channel>(fixture("channel_thread.json", &[]))
        .expect("channel_thread.json");
    let update = fixture(
        "message_update.json",
        &[("ID", sf(mid(3))), ("CONTENT", json!("y"))],
    );
    serde_json::from_value::<serenity::MessageUpdateEvent>(update).expect("message_update.json");
    serde_json::from_value::<serenity::Reaction>(reaction_add(mid(3), AUTO, BOB, "💡"))
        .expect("reaction_add");
    let delete = fixture("message_delete.json", &[("ID", sf(mid(3)))]);
    serde_json::from_value::<serenity::MessageDeleteEvent>(delete).expect("message_delete.json");
    for (name, fill) in [
        ("interaction_ask.json", vec![("QUESTION", json!("q"))]),
        (
            "interaction_autocomplete.json",
            vec![("QUESTION", json!("q"))],
        ),
        (
            "interaction_context_menu.json",
            vec![("TARGET", sf(mid(4))), ("CONTENT", json!("c"))],
        ),
        (
            "interaction_button.json",
            vec![
                ("CUSTOM_ID", json!("reqdoctor:up:x")),
                ("MESSAGE", sf(mid(5))),
            ],
        ),
    ] {
        let mut fill = fill;
        fill.push(("ID", sf(mid(6))));
        fill.push(("TOKEN", json!("t")));
        let v = fixture(name, &fill);
        serde_json::from_value::<serenity::Interaction>(v)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_reply_is_one_embed_reply_that_pings_nobody() {
    limited(async {
        let bot = start().await;
        bot.fake.send_message(message(mid(10), ERROR_14));
        let r = bot.fake.reply_to(mid(10)).await;
        assert_eq!(r.path, format!("/api/v10/channels/{AUTO}/messages"));
        let body = &r.body;
        assert_no_pings(body);
        assert_eq!(body["message_reference"]["message_id"], sf(mid(10)));
        assert_eq!(body["message_reference"]["channel_id"], sf(AUTO));
        assert_eq!(body["message_reference"]["guild_id"], sf(GUILD));
        assert_eq!(body["nonce"], json!(mid(10).to_string()));
        assert_eq!(body["enforce_nonce"], json!(true));
        assert!(
            body["content"].is_null() || body["content"] == "",
            "embed only: {body:#}"
        );
        let embeds = body["embeds"].as_array().unwrap();
        assert_eq!(embeds.len(), 1);
        let e = &embeds[0];
        assert_eq!(e["title"], "error 14: the response could not be decoded");
        assert!(e["description"]
            .as_str()
            .unwrap()
            .starts_with("my.request could not parse the response"));
        assert!(field(e, "Fix").starts_with("1. Call the endpoint with curl"));
        assert_eq!(
            field(e, "Official docs"),
            "• [my.request reference](https://opendocs.alipay.com/mini/api/owycmh)"
        );
        assert_eq!(
            field(e, "Evidence"),
            "matched `error: 14` in the pasted fail object"
        );
        assert_eq!(
            field(e, "Also see"),
            "• Can I set a custom Referer header? — `alipay.faq.referer`"
        );
        assert_eq!(e["footer"]["text"], "alipay.error.14 · reqdoctor");
        let buttons = body["components"][0]["components"].as_array().unwrap();
        let labels: Vec<&str> = buttons
            .iter()
            .map(|b| b["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["helpful", "not helpful", "Delete"]);
        assert_eq!(buttons[0]["custom_id"], "reqdoctor:up:alipay.error.14");
        assert_eq!(buttons[2]["custom_id"], format!("reqdoctor:del:{ALICE}"));
        assert_eq!(bot.fake.message_posts().len(), 1, "one reply, one message");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinese_question_gets_a_chinese_answer() {
    limited(async {
        let bot = start().await;
        bot.fake.send_message(message(mid(20), ERROR_11));
        let r = bot.fake.reply_to(mid(20)).await;
        let e = &r.body["embeds"][0];
        assert_eq!(e["title"], "error 11：无权跨域调用");
        assert!(field(e, "解决办法").starts_with("1. 在开放平台"));
        assert_eq!(e["footer"]["text"], "alipay.error.11 · reqdoctor");
        let labels: Vec<&str> = r.body["components"][0]["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["有帮助", "没帮助", "删除"]);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_on_chatter_and_outside_autoreply_channels() {
    limited(async {
        let bot = start().await;
        bot.fake.send_message(message(mid(30), CHATTER));
        bot.fake.send_message(with(
            message(mid(31), ERROR_14),
            &[("channel_id", sf(OTHER))],
        ));
        // FAQ wording inside a code block is code, not a question.
        bot.fake.send_message(message(
            mid(32),
            "```\nwhy can't I set a custom referer header in my.request?\n```",
        ));
        let posts = bot.posts_after_sentinel(mid(33)).await;
        assert_eq!(posts.len(), 1, "only the sentinel is answered: {posts:#?}");
        assert_eq!(posts[0].reply_to(), Some(mid(33)));
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_webhooks_self_and_system_messages_are_ignored() {
    limited(async {
        let bot = start().await;
        let other_bot = json!({"id": OTHER_BOT.to_string(), "username": "ci-bot", "global_name": null, "discriminator": "0", "avatar": null, "bot": true, "public_flags": 0});
        bot.fake.send_message(with(message(mid(40), ERROR_14), &[("author", other_bot)]));
        bot.fake.send_message(with(
            message(mid(41), ERROR_14),
            &[("author", fixture("user_me.json", &[]))],
        ));
        bot.fake.send_message(with(
            message(mid(42), ERROR_14),
            &[("webhook_id", sf(1_800_000_000_000_000_001))],
        ));
        // A pin notice (type 6) with matching text.
        bot.fake.send_message(with(message(mid(43), ERROR_14), &[("type", json!(6))]));
        let posts = bot.posts_after_sentinel(mid(44)).await;
        assert_eq!(posts.len(), 1, "{posts:#?}");
        assert_eq!(posts[0].reply_to(), Some(mid(44)));
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_message_is_answered_once() {
    limited(async {
        let bot = start().await;
        let m = message(mid(50), ERROR_14);
        bot.fake.send_message(m.clone());
        bot.fake.send_message(m.clone());
        bot.fake.reply_to(mid(50)).await;
        bot.fake.send_message(m);
        let posts = bot.posts_after_sentinel(mid(51)).await;
        let to_first = posts
            .iter()
            .filter(|p| p.reply_to() == Some(mid(50)))
            .count();
        assert_eq!(to_first, 1, "{posts:#?}");
        assert_eq!(posts.len(), 2);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooldown_reacts_instead_of_repeating() {
    limited(async {
        let bot = start().await;
        bot.fake.send_message(message(mid(60), ERROR_14));
        bot.fake.reply_to(mid(60)).await;
        // The same entry again in the same channel, from someone else: a reaction, no reply.
        let bob = json!({"id": BOB.to_string(), "username": "bob", "global_name": "Bob", "discriminator": "0", "avatar": null, "public_flags": 0});
        bot.fake.send_message(with(message(mid(61), ERROR_14), &[("author", bob)]));
        let reaction = bot
            .fake
            .wait_for("the cooldown reaction", Duration::from_secs(5), |r| r.method == "PUT" && r.path.contains("/reactions/"))
            .await;
        assert_eq!(
            reaction.path,
            format!("/api/v10/channels/{AUTO}/messages/{}/reactions/%F0%9F%91%86/@me", mid(61))
        );
        let posts = bot.posts_after_sentinel(mid(62)).await;
        assert_eq!(posts.iter().map(|p| p.reply_to()).collect::<Vec<_>>(), [Some(mid(60)), Some(mid(62))]);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_user_limit_stops_a_flood() {
    limited(async {
        let bot = start_with(|s| s.user_limit = 2).await;
        bot.fake.send_message(message(mid(70), ERROR_14));
        bot.fake.reply_to(mid(70)).await;
        bot.fake.send_message(message(mid(71), ERROR_11));
        bot.fake.reply_to(mid(71)).await;
        bot.fake.send_message(message(mid(72), TIMEOUT));
        // Bob's sentinel is answered; alice's third message is not.
        let bob = json!({"id": BOB.to_string(), "username": "bob", "global_name": "Bob", "discriminator": "0", "avatar": null, "public_flags": 0});
        bot.fake.send_message(with(
            message(mid(73), "my.request fails: {error: 11}"),
            &[("author", bob), ("channel_id", sf(THREAD))],
        ));
        bot.fake.reply_to(mid(73)).await;
        let posts = bot.fake.message_posts();
        assert!(posts.iter().all(|p| p.reply_to() != Some(mid(72))), "{posts:#?}");
        assert_eq!(posts.len(), 3);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threads_under_autoreply_channels_are_answered_once_per_entry() {
    limited(async {
        let bot = start().await;
        bot.fake.send_message(in_thread(message(mid(80), ERROR_14)));
        let r = bot.fake.reply_to(mid(80)).await;
        assert_eq!(r.path, format!("/api/v10/channels/{THREAD}/messages"));
        // A thread serenity's cache has never seen: its parent comes from GET /channels/{id}.
        bot.fake.send_message(with(
            message(mid(81), ERROR_14),
            &[("channel_id", sf(THREAD_UNCACHED))],
        ));
        bot.fake.reply_to(mid(81)).await;
        assert_eq!(
            bot.requests("GET", &format!("/channels/{THREAD_UNCACHED}"))
                .len(),
            1
        );
        // The same question again in the first thread: not answered twice.
        bot.fake.send_message(in_thread(message(mid(82), ERROR_14)));
        let posts = bot.posts_after_sentinel(mid(83)).await;
        let replies: Vec<_> = posts.iter().map(|p| p.reply_to()).collect();
        assert_eq!(replies, [Some(mid(80)), Some(mid(81)), Some(mid(83))]);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mention_answers_in_lookup_mode_anywhere() {
    limited(async {
        let bot = start().await;
        let me = json!([fixture("user_me.json", &[])]);
        // Too vague for Auto mode, enough for a direct question, in a non-auto channel.
        bot.fake.send_message(with(
            message(mid(90), &format!("<@{BOT}> what does error 14 mean?")),
            &[("channel_id", sf(OTHER)), ("mentions", me.clone())],
        ));
        let r = bot.fake.reply_to(mid(90)).await;
        assert_eq!(
            r.body["embeds"][0]["footer"]["text"],
            "alipay.error.14 · reqdoctor"
        );
        assert_no_pings(&r.body);
        // Nothing matches: say so honestly.
        bot.fake.send_message(with(
            message(mid(91), &format!("<@!{BOT}> {CHATTER}")),
            &[("channel_id", sf(OTHER)), ("mentions", me.clone())],
        ));
        let r = bot.fake.reply_to(mid(91)).await;
        assert_eq!(r.body["embeds"][0]["title"], "No confident match");
        let buttons = r.body["components"][0]["components"].as_array().unwrap();
        assert_eq!(buttons.len(), 1, "only Delete for a non-answer");
        // A bare mention gets the help text.
        bot.fake.send_message(with(
            message(mid(92), &format!("<@{BOT}>")),
            &[("channel_id", sf(OTHER)), ("mentions", me)],
        ));
        let r = bot.fake.reply_to(mid(92)).await;
        assert_eq!(r.body["embeds"][0]["title"], "How to ask reqdoctor");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_messages_are_answered_in_lookup_mode() {
    limited(async {
        let bot = start().await;
        bot.fake
            .send_message(dm(mid(100), "what does error 14 mean?"));
        let r = bot.fake.reply_to(mid(100)).await;
        assert_eq!(r.path, format!("/api/v10/channels/{DM}/messages"));
        assert_eq!(
            r.body["embeds"][0]["footer"]["text"],
            "alipay.error.14 · reqdoctor"
        );
        assert_no_pings(&r.body);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_four_thousand_characters_cannot_ping_or_break_limits() {
    limited(async {
        let bot = start().await;
        let mut text = String::from("@everyone @here <@1400000000000000002> <@&1200000000000000002> **bold** [x](https://evil.example) ");
        text.push_str("```\n{error: 14, errorMessage: \"JSON parse data error `@everyone` <@1> https://evil.example\"}\n```\n");
        while text.chars().count() < 4000 {
            text.push_str("`@here` mini program <#1> ||spoiler|| ~~x~~ ");
        }
        let text: String = text.chars().take(4000).collect();
        let me = json!([fixture("user_me.json", &[])]);
        bot.fake.send_message(with(
            message(mid(110), &format!("<@{BOT}> {text}")),
            &[("mention_everyone", json!(true)), ("mentions", me), ("mention_roles", json!(["1200000000000000002"]))],
        ));
        let r = bot.fake.reply_to(mid(110)).await;
        assert_eq!(r.status, 200, "Discord's limits hold");
        assert_no_pings(&r.body);
        let e = &r.body["embeds"][0];
        let evidence = field(e, "Evidence");
        for bad in ["@everyone", "@here", "<@", "<#", "://", "evil.example)"] {
            assert!(!evidence.contains(bad), "{bad} in {evidence}");
        }
        assert_eq!(evidence.matches('`').count(), 2, "{evidence}");
        let all = r.body["embeds"].to_string();
        for bad in ["@everyone", "@here", "<@1", "<#1", "evil.example", "||spoiler"] {
            assert!(!all.contains(bad), "{bad} echoed in {all}");
        }
        assert!(r.body["content"].is_null() || r.body["content"] == "");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_question_deletes_the_reply() {
    limited(async {
        let bot = start().await;
        bot.fake.send_message(message(mid(120), ERROR_14));
        let reply = bot
            .fake
            .reply_to(mid(120))
            .await
            .created_id()
            .expect("the fake returned the reply");
        bot.question_deleted(mid(120), reply).await;
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_the_question_updates_or_removes_the_reply() {
    limited(async {
        let bot = start().await;
        bot.fake.send_message(message(mid(130), ERROR_14));
        let reply = bot.fake.reply_to(mid(130)).await.created_id().unwrap();
        // Edited into another error: the reply is edited to the new entry.
        bot.fake.dispatch(
            "MESSAGE_UPDATE",
            fixture(
                "message_update.json",
                &[("ID", sf(mid(130))), ("CONTENT", json!(ERROR_11))],
            ),
        );
        let patch = bot.reply_edited(reply, "alipay.error.11").await;
        // Edited into chatter: the reply is deleted.
        bot.fake.dispatch(
            "MESSAGE_UPDATE",
            fixture(
                "message_update.json",
                &[("ID", sf(mid(130))), ("CONTENT", json!(CHATTER))],
            ),
        );
        let del = bot
            .fake
            .wait_for("the reply's deletion", Duration::from_secs(5), |r| {
                r.method == "DELETE"
            })
            .await;
        assert_eq!(del.path, patch.path, "the same reply");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_ask_is_ephemeral_unless_public() {
    limited(async {
        let bot = start().await;
        let commands = bot.requests("PUT", "/commands");
        let names: Vec<&str> = commands[0]
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["ask", "code", "faq", "Diagnose with reqdoctor", "reqdoctor"]
        );
        // `/reqdoctor` is hidden from members without Manage Server (bit 5 = 32) by default;
        // the bot checks the permission itself as well.
        let admin = &commands[0].body[4];
        assert_eq!(admin["default_member_permissions"], "32");
        assert_eq!(admin["contexts"], json!([0]), "servers only");
        let groups: Vec<(&str, Vec<&str>)> = admin["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let subs = o["options"]
                    .as_array()
                    .map(|s| s.iter().filter_map(|x| x["name"].as_str()).collect())
                    .unwrap_or_default();
                (o["name"].as_str().unwrap(), subs)
            })
            .collect();
        assert_eq!(groups[0].0, "settings");
        assert_eq!(
            groups[0].1,
            [
                "show",
                "channel-add",
                "channel-remove",
                "channels",
                "cooldown",
                "language",
                "confidence",
                "pause",
                "resume",
                "review-log",
                "maybe"
            ]
        );
        assert_eq!(groups[1], ("reload", vec![]));
        assert_eq!(
            commands[0].path,
            format!("/api/v10/applications/{BOT}/commands"),
            "global registration"
        );

        // The first callback fails with a 500; the answer still arrives within Discord's 3 s.
        bot.fake.fail_next("POST", &callback_path(mid(140)), 500, 1);
        bot.fake.dispatch(
            "INTERACTION_CREATE",
            interaction(
                "interaction_ask.json",
                &[("QUESTION", json!("my.request error 14"))],
                mid(140),
            ),
        );
        let r = bot
            .fake
            .wait_for("/ask response", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(140)) && r.status == 204
            })
            .await;
        assert_eq!(bot.requests("POST", &callback_path(mid(140))).len(), 2);
        assert_eq!(r.body["type"], 4);
        assert_eq!(r.body["data"]["flags"], 64, "ephemeral");
        assert_interaction_no_pings(&r.body);
        assert_eq!(
            r.body["data"]["embeds"][0]["footer"]["text"],
            "alipay.error.14 · reqdoctor"
        );
        let buttons = r.body["data"]["components"][0]["components"]
            .as_array()
            .unwrap();
        assert_eq!(buttons.len(), 2, "votes, no Delete on an ephemeral answer");

        let mut public = interaction(
            "interaction_ask.json",
            &[("QUESTION", json!("alipay.error.11"))],
            mid(141),
        );
        public["data"]["options"]
            .as_array_mut()
            .unwrap()
            .push(json!({"type": 5, "name": "public", "value": true}));
        bot.fake.dispatch("INTERACTION_CREATE", public);
        let r = bot
            .fake
            .wait_for("public /ask response", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(141))
            })
            .await;
        assert!(
            r.body["data"]["flags"].is_null() || r.body["data"]["flags"] == 0,
            "{:#}",
            r.body
        );
        assert_eq!(
            r.body["data"]["embeds"][0]["footer"]["text"],
            "alipay.error.11 · reqdoctor"
        );
        assert_interaction_no_pings(&r.body);
        bot.stop().await;
    })
    .await;
}

/// `/code code` as an INTERACTION_CREATE payload (the `/ask` fixture renamed).
fn code_interaction(code: &str, id: u64) -> serde_json::Value {
    let mut i = interaction("interaction_ask.json", &[("QUESTION", json!(code))], id);
    i["data"]["name"] = json!("code");
    i["data"]["options"][0]["name"] = json!("code");
    i
}

/// Waits until the store counts a reply with `entry` (recording happens in the background).
async fn wait_until_counted(bot: &Running, entry: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let days = bot.store.daily_replies_since(0).await.unwrap();
        if days.iter().any(|d| d.entry_id == entry) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no reply with {entry} recorded: {days:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `/ask` and `/code` answers count in replies per day like chat answers (they used not to).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_answers_are_counted_per_day() {
    limited(async {
        let bot = start().await;
        let ask = interaction(
            "interaction_ask.json",
            &[("QUESTION", json!("my.request error 14"))],
            mid(170),
        );
        let code = code_interaction("error:11", mid(171));
        bot.fake.dispatch("INTERACTION_CREATE", ask);
        bot.fake.dispatch("INTERACTION_CREATE", code);
        wait_until_counted(&bot, "alipay.error.14").await;
        wait_until_counted(&bot, "alipay.error.11").await;
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_offers_titles_in_both_languages_and_ids() {
    limited(async {
        let bot = start().await;
        bot.fake.dispatch("INTERACTION_CREATE", interaction("interaction_autocomplete.json", &[("QUESTION", json!("解码"))], mid(150)));
        let r = bot
            .fake
            .wait_for("autocomplete", Duration::from_secs(5), |r| r.path == callback_path(mid(150)))
            .await;
        assert_eq!(r.body["type"], 8);
        assert_eq!(
            r.body["data"]["choices"],
            json!([{"name": "error 14：返回数据解码失败 · alipay.error.14", "value": "alipay.error.14"}])
        );
        bot.fake.dispatch("INTERACTION_CREATE", interaction("interaction_autocomplete.json", &[("QUESTION", json!("referer"))], mid(151)));
        let r = bot
            .fake
            .wait_for("autocomplete", Duration::from_secs(5), |r| r.path == callback_path(mid(151)))
            .await;
        assert_eq!(r.body["data"]["choices"][0]["value"], "alipay.faq.referer");
        // /code completes the known codes.
        let mut code = interaction("interaction_autocomplete.json", &[("QUESTION", json!("error"))], mid(152));
        code["data"]["name"] = json!("code");
        code["data"]["options"][0]["name"] = json!("code");
        bot.fake.dispatch("INTERACTION_CREATE", code);
        let r = bot
            .fake
            .wait_for("code autocomplete", Duration::from_secs(5), |r| r.path == callback_path(mid(152)))
            .await;
        assert_eq!(
            r.body["data"]["choices"],
            json!([
                {"name": "error:11 — error 11: the domain is not on the whitelist", "value": "error:11"},
                {"name": "error:14 — error 14: the response could not be decoded", "value": "error:14"},
            ])
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_and_faq_commands() {
    limited(async {
        let bot = start().await;
        let code = code_interaction("error:11", mid(160));
        bot.fake.dispatch("INTERACTION_CREATE", code);
        let r = bot
            .fake
            .wait_for("/code response", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(160))
            })
            .await;
        assert_eq!(
            r.body["data"]["embeds"][0]["footer"]["text"],
            "alipay.error.11 · reqdoctor"
        );
        assert_eq!(r.body["data"]["flags"], 64);

        let mut faq = interaction("interaction_ask.json", &[("QUESTION", json!(""))], mid(161));
        faq["data"]["name"] = json!("faq");
        faq["data"]["options"] = json!([{"type": 4, "name": "platform", "value": 1}]);
        faq["locale"] = json!("zh-CN");
        bot.fake.dispatch("INTERACTION_CREATE", faq);
        let r = bot
            .fake
            .wait_for("/faq response", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(161))
            })
            .await;
        let e = &r.body["data"]["embeds"][0];
        assert_eq!(e["title"], "微信 wx.request (1)");
        assert_eq!(e["description"], "• wx.request 请求超时 — `wechat.timeout`");
        assert_interaction_no_pings(&r.body);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_menu_diagnoses_the_chosen_message() {
    limited(async {
        let bot = start().await;
        bot.fake.dispatch(
            "INTERACTION_CREATE",
            interaction(
                "interaction_context_menu.json",
                &[
                    ("TARGET", sf(mid(170))),
                    (
                        "CONTENT",
                        json!("真机上 wx.request 报 request:fail timeout"),
                    ),
                ],
                mid(171),
            ),
        );
        let r = bot
            .fake
            .wait_for("context menu response", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(171))
            })
            .await;
        assert_eq!(r.body["type"], 4);
        assert_eq!(r.body["data"]["flags"], 64);
        assert_eq!(
            r.body["data"]["embeds"][0]["footer"]["text"],
            "wechat.timeout · reqdoctor"
        );
        assert_eq!(r.body["data"]["embeds"][0]["title"], "wx.request 请求超时");
        assert_interaction_no_pings(&r.body);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_buttons_count_votes() {
    limited(async {
        let bot = start().await;
        let reply = mid(180);
        bot.fake.dispatch(
            "INTERACTION_CREATE",
            button("reqdoctor:up:alipay.error.14", reply, mid(181), None),
        );
        let r = bot
            .fake
            .wait_for("vote ack", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(181))
            })
            .await;
        assert_eq!(r.body["type"], 4);
        assert_eq!(r.body["data"]["flags"], 64);
        assert_eq!(r.body["data"]["content"], "Thanks for the feedback!");
        assert_interaction_no_pings(&r.body);
        let bob_perms = "277025475648";
        bot.fake.dispatch(
            "INTERACTION_CREATE",
            button(
                "reqdoctor:down:alipay.error.14",
                reply,
                mid(182),
                Some((BOB, bob_perms)),
            ),
        );
        bot.fake
            .wait_for("vote ack", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(182))
            })
            .await;
        assert_eq!(
            bot.store.tally("alipay.error.14").await.unwrap(),
            Tally {
                helpful: 1,
                not_helpful: 1
            }
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_button_only_for_the_asker_or_a_moderator() {
    limited(async {
        let bot = start().await;
        let del = format!("reqdoctor:del:{ALICE}");
        // Bob may not.
        bot.fake.dispatch(
            "INTERACTION_CREATE",
            button(&del, mid(190), mid(191), Some((BOB, "277025475648"))),
        );
        let r = bot
            .fake
            .wait_for("refusal", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(191))
            })
            .await;
        assert_eq!(r.body["data"]["flags"], 64);
        assert!(r.body["data"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Only the person who asked"));
        // Alice may.
        bot.fake
            .dispatch("INTERACTION_CREATE", button(&del, mid(190), mid(192), None));
        let d = bot
            .fake
            .wait_for("deletion", Duration::from_secs(5), |r| r.method == "DELETE")
            .await;
        assert_eq!(
            d.path,
            format!("/api/v10/channels/{AUTO}/messages/{}", mid(190))
        );
        let ack = bot.requests("POST", &callback_path(mid(192)));
        assert_eq!(ack[0].body["type"], 6, "deferred update, no message");
        // A moderator may too.
        bot.fake.dispatch(
            "INTERACTION_CREATE",
            button(&del, mid(193), mid(194), Some((MOD, MOD_PERMISSIONS))),
        );
        bot.fake
            .wait_for("moderator deletion", Duration::from_secs(5), |r| {
                r.method == "DELETE" && r.path.ends_with(&mid(193).to_string())
            })
            .await;
        assert_eq!(bot.requests("DELETE", "/messages/").len(), 2);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_close_4000_resumes_without_double_replies() {
    limited(async {
        let bot = start().await;
        bot.fake.replay_overlap(1);
        bot.fake.send_message(message(mid(200), ERROR_14));
        bot.fake.reply_to(mid(200)).await;
        bot.fake.close_gateway(4000);
        // Sent while the bot is away: delivered on RESUME, together with mid(200) again.
        bot.fake.send_message(message(mid(201), ERROR_11));
        bot.fake.wait_resumes(1, Duration::from_secs(5)).await;
        bot.fake.reply_to(mid(201)).await;
        let posts = bot.posts_after_sentinel(mid(202)).await;
        let replies: Vec<_> = posts.iter().map(|p| p.reply_to()).collect();
        assert_eq!(replies, [Some(mid(200)), Some(mid(201)), Some(mid(202))]);
        let (identifies, resumes, _) = bot.fake.gateway_counts();
        assert_eq!((identifies, resumes), (1, 1), "resumed, not re-identified");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_429_and_500_are_retried_without_losing_the_reply() {
    limited(async {
        let bot = start().await;
        bot.fake
            .fail_next("POST", &format!("/channels/{AUTO}/messages"), 429, 2);
        bot.fake.send_message(message(mid(210), ERROR_14));
        bot.fake.reply_to(mid(210)).await;
        let attempts = bot.requests("POST", &format!("/channels/{AUTO}/messages"));
        assert_eq!(
            attempts.iter().map(|r| r.status).collect::<Vec<_>>(),
            [429, 429, 200]
        );

        bot.fake
            .fail_next("POST", &format!("/channels/{AUTO}/messages"), 500, 1);
        bot.fake
            .fail_next("POST", &format!("/channels/{AUTO}/messages"), 502, 1);
        bot.fake.send_message(message(mid(211), ERROR_11));
        bot.fake.reply_to(mid(211)).await;
        let statuses: Vec<u16> = bot
            .requests("POST", &format!("/channels/{AUTO}/messages"))
            .iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(statuses, [429, 429, 200, 500, 502, 200]);

        // Bounded: a channel that keeps failing gives up after 5 attempts, and the bot lives on.
        let thread_posts = format!("/channels/{THREAD}/messages");
        bot.fake.fail_next("POST", &thread_posts, 500, 100);
        bot.fake
            .send_message(in_thread(message(mid(212), ERROR_14)));
        let fifth = bot
            .wait_requests("POST", &thread_posts, 5, Duration::from_secs(5))
            .await[4]
            .at;
        // From now on a post would succeed: a sixth attempt would show up as a reply to mid(212).
        bot.fake.clear_failures();
        bot.fake.send_message(in_thread(message(mid(213), TIMEOUT)));
        bot.fake.reply_to(mid(213)).await;
        // The next backoff would have been 1.6 s; wait past it.
        tokio::time::sleep(
            (fifth + Duration::from_millis(1800))
                .saturating_duration_since(std::time::Instant::now()),
        )
        .await;
        let failing: Vec<_> = bot.requests("POST", &thread_posts);
        assert_eq!(
            failing.iter().filter(|r| r.status == 500).count(),
            5,
            "bounded retries"
        );
        assert!(!bot.replied_to(mid(212)));
        bot.stop().await;
    })
    .await;
}

/// Through `REQDOCTOR_DISCORD_API` a 429 is waited out for as long as its `retry_after`
/// asks (it used to be retried after a fixed 0.1 s), and a wait over the cap
/// (`max_retry_after`) is not waited: that call fails after its bounded attempts, logged,
/// and the bot answers the next message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_429_waits_its_retry_after_up_to_the_cap() {
    limited(async {
        let bot = start_with(|s| s.max_retry_after = Duration::from_secs(2)).await;
        let posts = format!("/channels/{AUTO}/messages");
        bot.fake.rate_limit_next("POST", &posts, 0.8, 1);
        bot.fake.send_message(message(mid(220), ERROR_14));
        bot.fake.reply_to(mid(220)).await;
        let attempts = bot.requests("POST", &posts);
        assert_eq!(
            attempts.iter().map(|r| r.status).collect::<Vec<_>>(),
            [429, 200]
        );
        let gap = attempts[1].at - attempts[0].at;
        assert!(gap >= Duration::from_millis(800), "waited {gap:?}");

        // An hour is over the cap: five quick attempts, then the call gives up.
        let thread_posts = format!("/channels/{THREAD}/messages");
        bot.fake.rate_limit_next("POST", &thread_posts, 3600.0, 100);
        bot.fake
            .send_message(in_thread(message(mid(221), ERROR_14)));
        bot.wait_requests("POST", &thread_posts, 5, Duration::from_secs(5))
            .await;
        bot.fake.clear_failures();
        bot.fake.send_message(in_thread(message(mid(222), TIMEOUT)));
        bot.fake.reply_to(mid(222)).await;
        let thread: Vec<u16> = bot
            .requests("POST", &thread_posts)
            .iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(thread, [429, 429, 429, 429, 429, 200], "gave up after five");
        assert!(!bot.replied_to(mid(221)));
        bot.stop().await;
    })
    .await;
}

/// `message` posted in the thread THREAD instead of its channel.
fn in_thread(message: serde_json::Value) -> serde_json::Value {
    with(message, &[("channel_id", sf(THREAD))])
}

/// Answered in a support channel, silent in team chat (bundled knowledge).
const SUPPORT_ONLY: &str = "参数乱码";
/// A near miss in a support channel: no answer, a 💡 candidate (bundled knowledge).
const NEAR_MISS: &str = "接口 Forbidden";

/// The bundled knowledge's verdicts that the tests below rely on, checked first so that a
/// knowledge change fails here, by name, rather than as a missing reply. Returns the
/// entries (support-only answer, near-miss candidate).
fn bundled_fixtures() -> (String, String) {
    use reqdoctor::matcher::{Channel, Matcher};
    let k = reqdoctor::knowledge::Knowledge::bundled().unwrap();
    let m = Matcher::new(std::sync::Arc::new(k)).unwrap();
    let t = reqdoctor::matcher::DEFAULT_AUTO_THRESHOLD;
    let support = m.assess(SUPPORT_ONLY, t, Channel::Support);
    assert!(
        !support.answers.is_empty(),
        "{SUPPORT_ONLY}: answered in support"
    );
    assert!(
        m.assess(SUPPORT_ONLY, t, Channel::Team).answers.is_empty(),
        "{SUPPORT_ONLY}: silent in team chat"
    );
    let near = m.assess(NEAR_MISS, t, Channel::Support);
    assert!(near.answers.is_empty(), "{NEAR_MISS}: no confident answer");
    let maybe = near.maybe.expect("{NEAR_MISS}: a 💡 candidate");
    assert!(!m.assess(TIMEOUT, t, Channel::Support).answers.is_empty());
    assert!(!m.assess(TIMEOUT, t, Channel::Team).answers.is_empty());
    (support.answers[0].id.clone(), maybe.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_channels_are_strict_and_never_offer_a_bulb() {
    let (entry, _) = bundled_fixtures();
    limited(async {
        let bot = start_bundled(|s| s.team_channels = [OTHER].into()).await;
        let in_team = |id, text: &str| with(message(id, text), &[("channel_id", sf(OTHER))]);
        // Team chat: a support-only question and a near miss get nothing, not even a 💡.
        bot.fake.send_message(in_team(mid(1000), SUPPORT_ONLY));
        bot.fake.send_message(in_team(mid(1001), NEAR_MISS));
        // What is plainly a request error is answered there too.
        bot.fake.send_message(in_team(mid(1002), TIMEOUT));
        bot.fake.reply_to(mid(1002)).await;
        // The support channel answers the support-only question.
        bot.fake.send_message(message(mid(1003), SUPPORT_ONLY));
        let r = bot.fake.reply_to(mid(1003)).await;
        assert_eq!(
            r.body["embeds"][0]["footer"]["text"],
            format!("{entry} · reqdoctor")
        );
        let posts = bot.fake.message_posts();
        let answered: Vec<_> = posts.iter().map(|p| p.reply_to()).collect();
        assert_eq!(answered, [Some(mid(1002)), Some(mid(1003))], "{posts:#?}");
        assert!(
            bot.fake.bot_reactions().is_empty(),
            "{:?}",
            bot.fake.bot_reactions()
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_near_miss_gets_a_bulb_and_only_the_askers_bulb_gets_the_answer() {
    let (_, candidate) = bundled_fixtures();
    limited(async {
        // No cooldown: the sentinel is answered every time, not 👆-ed.
        let bot = start_bundled(|s| s.cooldown = Duration::ZERO).await;
        let q = mid(1010);
        bot.fake.send_message(message(q, NEAR_MISS));
        bot.fake
            .wait_for("a 💡 on the near miss", Duration::from_secs(5), |r| {
                r.method == "PUT" && r.path.contains(&format!("/messages/{q}/reactions/"))
            })
            .await;
        assert_eq!(bot.fake.bot_reactions(), [(q, "💡".to_string())]);
        // No reply for it (the sentinel's is the only one), the bot's own 💡 included.
        let posts = bot.posts_after_sentinel(mid(1011)).await;
        assert_eq!(posts.len(), 1, "{posts:#?}");

        // Someone else's 💡 does nothing.
        bot.fake.add_reaction(q, AUTO, BOB, "💡");
        let posts = bot.posts_after_sentinel(mid(1012)).await;
        assert_eq!(posts.len(), 2, "{posts:#?}");
        assert!(posts.iter().all(|p| p.reply_to() != Some(q)));

        // Another emoji from the asker does nothing either.
        bot.fake.add_reaction(q, AUTO, ALICE, "👍");
        // The asker's 💡: one reply, as an auto answer would be.
        bot.fake.add_reaction(q, AUTO, ALICE, "💡");
        let r = bot.fake.reply_to(q).await;
        assert_no_pings(&r.body);
        assert_eq!(r.path, format!("/api/v10/channels/{AUTO}/messages"));
        assert_eq!(r.body["message_reference"]["message_id"], sf(q));
        assert_eq!(r.body["message_reference"]["guild_id"], sf(GUILD));
        assert_eq!(r.body["nonce"], json!(q.to_string()));
        assert_eq!(
            r.body["embeds"][0]["footer"]["text"],
            format!("{candidate} · reqdoctor")
        );
        let buttons = r.body["components"][0]["components"].as_array().unwrap();
        assert_eq!(buttons.len(), 3, "{:#}", r.body);
        assert_eq!(buttons[0]["custom_id"], format!("reqdoctor:up:{candidate}"));
        assert_eq!(buttons[2]["custom_id"], format!("reqdoctor:del:{ALICE}"));

        // A second 💡 (or a replay) gets nothing more.
        bot.fake.add_reaction(q, AUTO, ALICE, "💡");
        let posts = bot.posts_after_sentinel(mid(1013)).await;
        assert_eq!(
            posts.iter().filter(|p| p.reply_to() == Some(q)).count(),
            1,
            "{posts:#?}"
        );
        // Counted like any reply.
        let reply_id = r.created_id().unwrap();
        wait_until_counted(&bot, &candidate).await;
        // Deleting the question deletes the reply, as for any answer.
        bot.fake.dispatch(
            "MESSAGE_DELETE",
            fixture("message_delete.json", &[("ID", sf(q))]),
        );
        bot.fake
            .wait_for("the reply deleted", Duration::from_secs(5), |x| {
                x.method == "DELETE" && x.path.ends_with(&format!("/messages/{reply_id}"))
            })
            .await;
        bot.stop().await;
    })
    .await;
}
