//! The built `reqdoctor` binary as a separate process, with its stderr collected: shared by
//! the test files that drive the binary.

#![allow(dead_code)]

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::fake_discord::{ids::AUTO, TOKEN};

pub fn knowledge_dir() -> String {
    format!(
        "{}/tests/fixtures/discord/knowledge",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A running `reqdoctor` with its stderr collected in the background.
pub struct Process {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Process {
    /// Runs `reqdoctor run ARGS` as a bot of the fake Discord whose REST base is `api` (its
    /// token, `REQDOCTOR_DISCORD_API`), plus `env`, answering from the test knowledge.
    pub fn run(api: &str, args: &[&str], env: &[(&str, &str)]) -> Process {
        Process::fake_bot(api, args, env, None)
    }

    /// [`Process::run`] auto-replying in AUTO.
    pub fn answering(api: &str, args: &[&str], env: &[(&str, &str)]) -> Process {
        Process::fake_bot(api, args, env, Some(false))
    }

    /// [`Process::answering`] with the knowledge built into the binary.
    pub fn answering_bundled(api: &str, args: &[&str], env: &[(&str, &str)]) -> Process {
        Process::fake_bot(api, args, env, Some(true))
    }

    /// `answer`: None, no auto-reply channel; Some(bundled), auto-replies in AUTO from the
    /// bundled or the test knowledge.
    fn fake_bot(api: &str, args: &[&str], env: &[(&str, &str)], answer: Option<bool>) -> Process {
        let mut all_args = vec!["run"];
        all_args.extend_from_slice(args);
        let auto = AUTO.to_string();
        let mut all_env = vec![("DISCORD_TOKEN", TOKEN), ("REQDOCTOR_DISCORD_API", api)];
        if answer.is_some() {
            all_env.push(("REQDOCTOR_AUTOREPLY_CHANNELS", auto.as_str()));
        }
        all_env.extend_from_slice(env);
        if answer == Some(true) {
            Process::spawn_bundled(&all_args, &all_env)
        } else {
            Process::spawn(&all_args, &all_env)
        }
    }

    /// Stops it with SIGTERM and checks that it exits 0 within `within`; returns its stderr.
    pub async fn terminate(&mut self, within: Duration) -> String {
        self.signal("TERM");
        let (status, stderr) = self.wait(within).await;
        assert!(status.success(), "{status:?}\n{stderr}");
        stderr
    }

    /// Runs `reqdoctor ARGS` with only `env` (and PATH), answering from the test knowledge.
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Process {
        let dir = knowledge_dir();
        let mut all = vec![("REQDOCTOR_KNOWLEDGE", dir.as_str())];
        all.extend_from_slice(env);
        Process::spawn_bundled(args, &all)
    }

    /// Runs `reqdoctor ARGS` with only `env` (and PATH): the knowledge built into the binary.
    pub fn spawn_bundled(args: &[&str], env: &[(&str, &str)]) -> Process {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_reqdoctor"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Each process gets its own database file, never one in the source tree.
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let db = std::env::temp_dir().join(format!(
            "reqdoctor-binary-test-{}-{}.db",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        cmd.env("REQDOCTOR_DATABASE", &db);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn reqdoctor");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Process { child, stderr }
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for the exit (polling, so the fake keeps running), or kills and panics.
    pub async fn wait(&mut self, within: Duration) -> (ExitStatus, String) {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the reader thread drain the pipe.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return (status, self.stderr.lock().unwrap().clone());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "reqdoctor did not exit within {within:?}; stderr:\n{}",
                    self.stderr.lock().unwrap()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

impl Process {
    /// Its process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether it has exited.
    pub fn exited(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_some()
    }

    /// What it wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}
