//! reqdoctor: answers Alipay `my.request` and WeChat `wx.request` errors in chat.
//!
//! Data flows one way: [`knowledge`] (load + validate files) → [`matcher`] (text in, ranked
//! matches with evidence out) → [`reply`] (render a match for a terminal or an embed) →
//! the front ends ([`cli`], and the Discord bot). [`store`] keeps what the bot learns
//! (settings, votes, the review log) and [`report`] turns it into a page for the people who
//! keep the knowledge.

pub mod cli;
pub mod discord;
pub mod eval;
pub mod knowledge;
pub mod load;
pub mod matcher;
pub mod metrics;
pub mod ocr;
pub mod paste;
pub mod reply;
pub mod report;
pub mod store;
pub mod text;
