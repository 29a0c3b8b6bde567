//! What kind of channel a message was posted in, and what that changes.
//!
//! In a *support* channel everything asked is about mini-program requests: "参数乱码" or
//! "403 怎么回事" needs no `小程序` to be on topic. In *team chat* people talk about
//! everything, so a question must show it is about mini-program requests before the bot
//! speaks unprompted. Plainly-elsewhere messages (a web page, nginx, a build tool) stay
//! silent in both.

use serde::{Deserialize, Serialize};

/// The kind of channel a message was posted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// A help channel about mini-program requests (the default).
    #[default]
    Support,
    /// General team chat: only plainly mini-program-request messages are answered.
    Team,
}

/// The context a support channel lends to every message: as much as a request word with a
/// question lends in team chat, a little less than an explicit `wx.request`.
const SUPPORT_CONTEXT: f32 = 0.2;

impl Channel {
    /// The lower-case name used in configuration and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Support => "support",
            Channel::Team => "team",
        }
    }

    /// The least context bonus a message gets here.
    pub fn context_floor(self) -> f32 {
        match self {
            Channel::Support => SUPPORT_CONTEXT,
            Channel::Team => 0.0,
        }
    }

    /// Whether a bare status number ("接口 403") may be read as an HTTP status without a
    /// mini-program word.
    pub fn reads_bare_statuses(self) -> bool {
        self == Channel::Support
    }
}

impl std::str::FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "support" => Ok(Channel::Support),
            "team" => Ok(Channel::Team),
            other => Err(format!("unknown channel kind `{other}` (support or team)")),
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_lends_context_team_does_not() {
        assert!(Channel::Support.context_floor() > 0.0);
        assert_eq!(Channel::Team.context_floor(), 0.0);
        assert_eq!("Team".parse::<Channel>(), Ok(Channel::Team));
        assert!("ops".parse::<Channel>().is_err());
        assert_eq!(Channel::default(), Channel::Support);
    }
}
