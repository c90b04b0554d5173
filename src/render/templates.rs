//! Text artifacts (config files, scripts) from the minijinja templates in
//! `templates/`, embedded so a fresh binary needs no files beside it.

use minijinja::Environment;
use serde::Serialize;
use std::sync::OnceLock;

/// Every template, by its path under `templates/`.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "prometheus/runbook.md.j2",
        include_str!("../../templates/prometheus/runbook.md.j2"),
    ),
    (
        "ssrf-proxy/squid.conf.j2",
        include_str!("../../templates/ssrf-proxy/squid.conf.j2"),
    ),
    // The log collector (src/render/fluent_bit/).
    (
        "fluent-bit/fluent-bit.conf.j2",
        include_str!("../../templates/fluent-bit/fluent-bit.conf.j2"),
    ),
    (
        "fluent-bit/parsers.conf.j2",
        include_str!("../../templates/fluent-bit/parsers.conf.j2"),
    ),
    (
        "ssrf-proxy/squid-agent.conf.j2",
        include_str!("../../templates/ssrf-proxy/squid-agent.conf.j2"),
    ),
    (
        "ssrf-proxy/common.conf.j2",
        include_str!("../../templates/ssrf-proxy/common.conf.j2"),
    ),
    (
        "ssrf-proxy/tail.conf.j2",
        include_str!("../../templates/ssrf-proxy/tail.conf.j2"),
    ),
    // The data layer (src/render/kubernetes/{postgres,redis}.rs).
    (
        "patroni/patroni.yml.j2",
        include_str!("../../templates/patroni/patroni.yml.j2"),
    ),
    (
        "patroni/post-bootstrap.sh.j2",
        include_str!("../../templates/patroni/post-bootstrap.sh.j2"),
    ),
    (
        "patroni/role-label.py.j2",
        include_str!("../../templates/patroni/role-label.py.j2"),
    ),
    (
        "postgres/replication-check.sh.j2",
        include_str!("../../templates/postgres/replication-check.sh.j2"),
    ),
    (
        "postgres/replication-check.sql.j2",
        include_str!("../../templates/postgres/replication-check.sql.j2"),
    ),
    (
        "redis/redis.conf.j2",
        include_str!("../../templates/redis/redis.conf.j2"),
    ),
    (
        "redis/sentinel.conf.j2",
        include_str!("../../templates/redis/sentinel.conf.j2"),
    ),
    (
        "redis/find-master.sh.j2",
        include_str!("../../templates/redis/find-master.sh.j2"),
    ),
    (
        "redis/start-redis.sh.j2",
        include_str!("../../templates/redis/start-redis.sh.j2"),
    ),
    (
        "redis/start-sentinel.sh.j2",
        include_str!("../../templates/redis/start-sentinel.sh.j2"),
    ),
    (
        "migrations/wait-for-schema.py.j2",
        include_str!("../../templates/migrations/wait-for-schema.py.j2"),
    ),
    (
        "redis/haproxy.cfg.j2",
        include_str!("../../templates/redis/haproxy.cfg.j2"),
    ),
    // The Swarm stack (src/render/swarm/).
    (
        "swarm/start.sh.j2",
        include_str!("../../templates/swarm/start.sh.j2"),
    ),
    (
        "swarm/nginx.conf.j2",
        include_str!("../../templates/swarm/nginx.conf.j2"),
    ),
    (
        "swarm/haproxy.cfg.j2",
        include_str!("../../templates/swarm/haproxy.cfg.j2"),
    ),
    // Host preparation (src/render/hosts/).
    (
        "hosts/inventory.ini.j2",
        include_str!("../../templates/hosts/inventory.ini.j2"),
    ),
    (
        "hosts/chrony.conf.j2",
        include_str!("../../templates/hosts/chrony.conf.j2"),
    ),
    (
        "hosts/sshd.conf.j2",
        include_str!("../../templates/hosts/sshd.conf.j2"),
    ),
    // Backups (src/render/backup/).
    (
        "backup/pgbackrest.conf.j2",
        include_str!("../../templates/backup/pgbackrest.conf.j2"),
    ),
    (
        "backup/backup.sh.j2",
        include_str!("../../templates/backup/backup.sh.j2"),
    ),
    (
        "backup/restore.sh.j2",
        include_str!("../../templates/backup/restore.sh.j2"),
    ),
    (
        "backup/drill.sh.j2",
        include_str!("../../templates/backup/drill.sh.j2"),
    ),
    (
        "backup/rclone.conf.j2",
        include_str!("../../templates/backup/rclone.conf.j2"),
    ),
    (
        "backup/files-copy.sh.j2",
        include_str!("../../templates/backup/files-copy.sh.j2"),
    ),
    (
        "backup/restore-runbook.md.j2",
        include_str!("../../templates/backup/restore-runbook.md.j2"),
    ),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        // Each template is compiled the first time it is rendered: a run
        // renders only some of them (one to stdout needs no runbook, no
        // Swarm or host file).
        env.set_loader(|name| {
            Ok(TEMPLATES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, text)| text.to_string()))
        });
        env
    })
}

/// Renders a bundled template. Contexts are built by dify-gen itself, so a
/// failure here is a bug in dify-gen, not in the user's input.
pub fn render(name: &str, ctx: impl Serialize) -> String {
    env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| panic!("template `{name}` failed to render: {e:#}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn all_templates_parse() {
        let env = super::env();
        for (name, _) in super::TEMPLATES {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
    }
}
