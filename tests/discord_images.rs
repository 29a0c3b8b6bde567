//! Screenshots through the fake Discord (feature `ocr`): the fake CDN serves them, the bot
//! reads them with Tesseract off the gateway tasks and answers from what they show, and a
//! huge, fake or slow image never hangs the bot or holds up other messages.

mod bot_harness;
mod common;
mod fake_discord;

use std::time::Duration;

use bot_harness::*;
use fake_discord::{attachment, message, Served};
use serde_json::Value;

/// OCR in a debug build on a busy machine takes seconds per image: a hang guard, not a
/// speed requirement (speed is in benches/ocr.rs).
const OCR_LIMIT: Duration = Duration::from_secs(60);

async fn ocr_limited<F: std::future::Future<Output = ()>>(f: F) {
    tokio::time::timeout(OCR_LIMIT, f)
        .await
        .expect("test finished within its limit");
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ocr")
        .join(name);
    std::fs::read(path).unwrap()
}

fn served(body: Vec<u8>, delay: Duration) -> Served {
    Served {
        status: 200,
        body,
        delay,
    }
}

/// The first reply to `trigger`, waiting as long as OCR may take.
async fn reply(bot: &Running, trigger: u64) -> fake_discord::Recorded {
    bot.fake
        .wait_for(&format!("a reply to {trigger}"), OCR_LIMIT, |r| {
            r.is_message_post() && r.reply_to() == Some(trigger)
        })
        .await
}

fn footer(r: &fake_discord::Recorded) -> String {
    r.body["embeds"][0]["footer"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screenshot_alone_is_answered_and_the_evidence_names_it() {
    ocr_limited(async {
        let bot = start_cdn().await;
        let png = fixture("domain-list-zh-dark.png");
        let size = png.len();
        let url = bot.fake.serve("1/2/shot.png", served(png, Duration::ZERO));
        let files = vec![attachment(1, "shot.png", "image/png", &url, size)];
        bot.fake.send_message(with_files(mid(1), "", files));
        let r = reply(&bot, mid(1)).await;
        assert_eq!(footer(&r), "wechat.fail.domain-list · reqdoctor");
        let evidence = field(&r.body["embeds"][0], "Evidence");
        assert!(evidence.contains("(`shot.png` line "), "{evidence}");
        assert_no_pings(&r.body);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_fake_and_slow_images_break_nothing_and_others_go_on() {
    ocr_limited(async {
        let bot = start_cdn().await;
        // Says it is small, is over 8 MB: the fetch stops at the cap.
        let mut huge = fixture("alipay-error-14-light.png");
        huge.resize(9 << 20, 0);
        let huge = bot.fake.serve("1/3/huge.png", served(huge, Duration::ZERO));
        // Says it is over 8 MB: never fetched.
        let big = bot
            .fake
            .serve("1/4/big.png", served(vec![0; 10], Duration::ZERO));
        // A text file named and typed as a PNG.
        let fake = bot.fake.serve(
            "1/5/fake.png",
            served(b"error: 14 not a picture".to_vec(), Duration::ZERO),
        );
        let slow = bot.fake.serve(
            "1/6/slow.png",
            served(
                fixture("alipay-error-14-light.png"),
                Duration::from_secs(30),
            ),
        );
        let cases = [
            (mid(2), attachment(2, "huge.png", "image/png", &huge, 2000)),
            (mid(3), attachment(3, "big.png", "image/png", &big, 9 << 20)),
            (mid(4), attachment(4, "fake.png", "image/png", &fake, 23)),
            (mid(5), attachment(5, "slow.png", "image/png", &slow, 2000)),
        ];
        for (id, file) in &cases {
            bot.fake
                .send_message(with_files(*id, ERROR_11, vec![file.clone()]));
        }
        bot.fake
            .wait_for("the slow GET", Duration::from_secs(10), |r| {
                r.path.ends_with("/slow.png")
            })
            .await;
        // A plain message sent while the slow image is still being fetched.
        bot.fake.send_message(message(mid(6), ERROR_14));
        let plain = reply(&bot, mid(6)).await;
        assert_eq!(footer(&plain), "alipay.error.14 · reqdoctor");
        for (id, _) in &cases {
            let r = reply(&bot, *id).await;
            // Answered from its own words; the image added nothing.
            assert_eq!(footer(&r), "alipay.error.11 · reqdoctor", "{id}");
        }
        let slow_reply = reply(&bot, mid(5)).await;
        assert!(
            plain.at < slow_reply.at,
            "the plain message was not held up"
        );
        assert!(
            bot.fake
                .requests()
                .iter()
                .all(|r| !r.path.ends_with("/big.png")),
            "an image Discord says is over 8 MB is not fetched"
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_screenshots_does_not_hold_up_a_plain_question() {
    ocr_limited(async {
        let bot = start_cdn().await;
        let png = fixture("phone-alipay-error-19.png");
        let size = png.len();
        let mut ids = Vec::new();
        for i in 0..4u64 {
            let files: Vec<Value> = (0..2u64)
                .map(|k| {
                    let url = bot.fake.serve(
                        &format!("2/{i}/{k}/shot.png"),
                        served(png.clone(), Duration::ZERO),
                    );
                    attachment(10 + i * 2 + k, "shot.png", "image/png", &url, size)
                })
                .collect();
            let id = mid(20 + i);
            bot.fake.send_message(with_files(id, "", files));
            ids.push(id);
        }
        // Wait until the images are being read, then ask a plain question.
        bot.fake
            .wait_for("the screenshots' GETs", Duration::from_secs(10), |r| {
                r.path.ends_with("2/3/1/shot.png")
            })
            .await;
        bot.fake.send_message(message(mid(30), ERROR_14));
        let plain = reply(&bot, mid(30)).await;
        assert_eq!(footer(&plain), "alipay.error.14 · reqdoctor");
        let mut last = plain.at;
        for id in &ids {
            let r = reply(&bot, *id).await;
            assert_eq!(footer(&r), "alipay.error.19 · reqdoctor", "{id}");
            last = last.max(r.at);
        }
        // Eight images queue for a bounded number of OCR jobs; the plain question did not
        // wait for them.
        assert!(
            plain.at < last,
            "the plain question was answered before the last screenshot"
        );
        bot.stop().await;
    })
    .await;
}
