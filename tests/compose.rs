//! `docker-compose.yml` and `deploy/prometheus.yml`, checked without Docker: parsed, and
//! held to what the README and the fleet test use (the same command, shard ranges and
//! variables), so the three cannot drift apart.

use std::collections::BTreeMap;

use reqdoctor::discord::shards::Shards;
use serde_yaml_ng::Value;

const COMPOSE: &str = include_str!("../docker-compose.yml");
const PROMETHEUS: &str = include_str!("../deploy/prometheus.yml");
const README: &str = include_str!("../README.md");
const FLEET_TEST: &str = include_str!("discord_fleet.rs");
const DOCKERFILE: &str = include_str!("../Dockerfile");

fn env(service: &Value) -> BTreeMap<String, String> {
    service["environment"]
        .as_mapping()
        .expect("environment as a mapping")
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => serde_yaml_ng::to_string(other).unwrap().trim().to_string(),
            };
            (k.as_str().unwrap().to_string(), v)
        })
        .collect()
}

#[test]
fn compose_runs_postgres_two_shard_ranges_and_prometheus() {
    let compose: Value = serde_yaml_ng::from_str(COMPOSE).expect("docker-compose.yml parses");
    let services = &compose["services"];
    for name in ["postgres", "bot-a", "bot-b", "prometheus"] {
        assert!(services.get(name).is_some(), "service {name}");
    }
    let mut covered = Vec::new();
    let mut totals = Vec::new();
    let mut targets = Vec::new();
    for name in ["bot-a", "bot-b"] {
        let bot = &services[name];
        // The image's entry point is `reqdoctor`; the command is the one the README and the
        // tests run.
        let command: Vec<&str> = bot["command"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(command, ["run"], "{name}");
        assert!(
            DOCKERFILE.contains(r#"ENTRYPOINT ["reqdoctor"]"#),
            "the image runs `reqdoctor COMMAND`"
        );
        assert!(
            FLEET_TEST.contains(r#"&["run"]"#),
            "the fleet test runs `reqdoctor run`"
        );
        let env = env(bot);
        for var in env.keys() {
            assert!(
                README.contains(&format!("`{var}`")),
                "{name}: {var} is not documented in README.md"
            );
        }
        assert!(
            env["DISCORD_TOKEN"].starts_with("${DISCORD_TOKEN"),
            "from the host only"
        );
        let db = &env["DATABASE_URL"];
        assert!(
            db.starts_with("postgres://") && db.contains("@postgres/"),
            "{db}"
        );
        let shards = &env["REQDOCTOR_SHARDS"];
        let Ok(Shards::Range { first, last, total }) = Shards::parse(shards) else {
            panic!("{name}: REQDOCTOR_SHARDS={shards} is not a range");
        };
        covered.extend(first..=last);
        totals.push(total);
        // The README's command line for this range: `REQDOCTOR_SHARDS=… … reqdoctor run`.
        let line = README
            .lines()
            .find(|l| l.starts_with(&format!("REQDOCTOR_SHARDS={shards} ")))
            .unwrap_or_else(|| panic!("the README shows no command for {shards}"));
        assert!(
            line.trim_end_matches(['&', ' '])
                .ends_with(" reqdoctor run"),
            "{line}"
        );
        assert!(
            FLEET_TEST.contains(&format!("\"{shards}\"")),
            "the fleet test runs {shards}"
        );
        let addr: std::net::SocketAddr = env["REQDOCTOR_METRICS_ADDR"].parse().unwrap();
        targets.push(format!("{name}:{}", addr.port()));
        let depends = &bot["depends_on"]["postgres"]["condition"];
        assert_eq!(depends.as_str(), Some("service_healthy"));
    }
    covered.sort();
    assert!(
        totals.iter().all(|t| *t == totals[0]),
        "one TOTAL: {totals:?}"
    );
    assert_eq!(
        covered,
        (0..totals[0]).collect::<Vec<_>>(),
        "every shard run by exactly one process"
    );

    // Prometheus scrapes both processes, with the file the compose file mounts.
    let mount = services["prometheus"]["volumes"][0].as_str().unwrap();
    assert!(mount.starts_with("./deploy/prometheus.yml:"), "{mount}");
    let prometheus: Value = serde_yaml_ng::from_str(PROMETHEUS).expect("prometheus.yml parses");
    let job = &prometheus["scrape_configs"][0];
    assert_eq!(job["metrics_path"].as_str(), Some("/metrics"));
    let scraped: Vec<String> = job["static_configs"][0]["targets"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    assert_eq!(scraped, targets);
    // The way to start it: the same line in the compose file's header and in the README.
    let up = COMPOSE
        .lines()
        .find_map(|l| {
            l.strip_prefix("#")
                .map(str::trim)
                .filter(|l| l.contains("docker compose up"))
        })
        .expect("the compose file says how to start it");
    assert!(
        README.lines().any(|l| l.trim() == up),
        "the README documents `{up}`"
    );
}
