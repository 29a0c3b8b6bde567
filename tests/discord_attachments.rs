//! Text attachments through the fake Discord: the fake CDN serves them, the bot reads them
//! with the message's text, and slow, missing, huge or binary files never hang the bot or
//! delay other messages.

mod bot_harness;
mod common;
mod fake_discord;

use std::time::Duration;

use bot_harness::*;
use fake_discord::{attachment, message, Served};
use serde_json::json;

fn served(body: &[u8]) -> Served {
    Served {
        status: 200,
        body: body.to_vec(),
        delay: Duration::ZERO,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_txt_with_the_error_is_answered() {
    limited(async {
        let bot = start_cdn().await;
        let url = bot.fake.serve(
            "1/2/message.txt",
            served(b"my.request fails every time\n{error: 14, status: 13, errorMessage: \"JSON parse data error\"}\n"),
        );
        let files = vec![attachment(1, "message.txt", "text/plain; charset=utf-8", &url, 90)];
        bot.fake.send_message(with_files(mid(1), "see attached", files));
        let r = bot.fake.reply_to(mid(1)).await;
        assert_eq!(r.body["embeds"][0]["footer"]["text"], "alipay.error.14 · reqdoctor");
        // The evidence names the attachment and the line it was found on.
        let evidence = field(&r.body["embeds"][0], "Evidence");
        assert!(evidence.ends_with("(`message.txt` line 2)"), "{evidence}");
        assert_no_pings(&r.body);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_har_is_answered_by_its_failed_request() {
    limited(async {
        let bot = start_cdn().await;
        let har = json!({"log": {"entries": [
            {"request": {"method": "GET", "url": "https://api.example.com/ok"}, "response": {"status": 200, "statusText": "OK"}},
            {"request": {"method": "POST", "url": "https://api.example.com/login"}, "response": {"status": 401, "statusText": "Unauthorized", "content": {"text": "{\"msg\":\"token expired\"}"}}}
        ]}});
        let url = bot.fake.serve("1/3/network.har", served(har.to_string().as_bytes()));
        let files = vec![attachment(2, "network.har", "application/octet-stream", &url, 300)];
        bot.fake.send_message(with_files(mid(2), "login request fails, HAR attached", files));
        let r = bot.fake.reply_to(mid(2)).await;
        let footer = r.body["embeds"][0]["footer"]["text"].as_str().unwrap();
        assert!(footer.starts_with("http.401 "), "{footer}");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_attachment_delays_only_its_own_message() {
    limited(async {
        let bot = start_cdn().await;
        let url = bot.fake.serve(
            "1/4/slow.log",
            Served {
                status: 200,
                body: b"nothing".to_vec(),
                delay: Duration::from_secs(30),
            },
        );
        let files = vec![attachment(3, "slow.log", "text/plain", &url, 7)];
        bot.fake.send_message(with_files(mid(3), ERROR_11, files));
        bot.fake
            .wait_for("the slow GET", Duration::from_secs(5), |r| {
                r.path.ends_with("/slow.log")
            })
            .await;
        bot.fake.send_message(message(mid(4), ERROR_14));
        let second = bot.fake.reply_to(mid(4)).await;
        // The slow message is still answered from its own text once the fetch gives up.
        let first = bot
            .fake
            .wait_for("a reply to the slow message", Duration::from_secs(8), |r| {
                r.is_message_post() && r.reply_to() == Some(mid(3))
            })
            .await;
        assert!(second.at < first.at, "the later message was not held up");
        assert_eq!(
            first.body["embeds"][0]["footer"]["text"],
            "alipay.error.11 · reqdoctor"
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_huge_binary_and_foreign_attachments_break_nothing() {
    limited(async {
        let bot = start_cdn().await;
        let missing = "https://cdn.discordapp.com/attachments/1/5/gone.txt".to_string();
        let mut huge = vec![b'x'; 8 * 1024 * 1024];
        huge.extend_from_slice(b"\nerror: 14\n");
        let huge = bot.fake.serve("1/6/huge.log", served(&huge));
        let binary = bot.fake.serve(
            "1/7/message.txt",
            served(b"\x7fELF\x02\x01\0\0\0\xff\xfe garbage"),
        );
        let cases = [
            (
                mid(5),
                attachment(5, "gone.txt", "text/plain", &missing, 10),
            ),
            (
                mid(6),
                attachment(6, "huge.log", "text/plain", &huge, 8 << 20),
            ),
            (
                mid(7),
                attachment(7, "message.txt", "text/plain", &binary, 20),
            ),
            (
                mid(8),
                attachment(8, "a.log", "text/plain", "https://evil.example/a.log", 10),
            ),
        ];
        for (id, file) in &cases {
            bot.fake
                .send_message(with_files(*id, ERROR_11, vec![file.clone()]));
        }
        for (id, _) in &cases {
            let r = bot.fake.reply_to(*id).await;
            assert_eq!(
                r.body["embeds"][0]["footer"]["text"],
                "alipay.error.11 · reqdoctor"
            );
        }
        assert!(
            bot.fake.requests().iter().all(|r| !r.path.contains("evil")),
            "no other host is fetched"
        );
        bot.stop().await;
    })
    .await;
}
