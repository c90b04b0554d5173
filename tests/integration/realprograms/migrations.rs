//! Scenario (e): migrations in order. The api, websocket, worker and beat
//! pods wait in an init container until the database schema is at the
//! revision their image's migrations end at. Here the rendered
//! `wait-for-schema.py` runs against a real PostgreSQL 15. The Dify image
//! cannot run here, so two stand-ins take its place: a migrations directory
//! written the way Dify's are (`revision`, `down_revision`, a merge, an
//! annotated assignment) for the image's `api/migrations/versions`, and
//! Debian's python3 with psycopg2 for the image's Python. The test moves
//! `alembic_version` itself, as `flask upgrade-db` in the migration Job would.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::harness::{hand_over, psql, require_program, wait_for, write_file, Process};
use super::postgres::{start_server, Server};
use super::rendered::render_ha;

const PG_BIN_DIR: &str = "/usr/lib/postgresql/15/bin";
const SUPERUSER_PASSWORD: &str = "superuser-test-password";
const APP_PASSWORD: &str = "dify-test-password";

/// Dify's migration files, reduced to what the wait reads: a chain, a
/// branch and the merge that ends it (the head is `cccc3333`).
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "2024_01_01_0000-aaaa1111_initial.py",
        "\"\"\"initial\n\nRevision ID: aaaa1111\n\"\"\"\nfrom alembic import op\n\nrevision = 'aaaa1111'\ndown_revision = None\nbranch_labels = None\n\n\ndef upgrade():\n    pass\n",
    ),
    (
        "bbbb2222_add_apps.py",
        "from alembic import op\n\nrevision = \"bbbb2222\"\ndown_revision = 'aaaa1111' # HEAD OF MAIN BRANCH\n\n\ndef upgrade():\n    op.execute('select 1')\n",
    ),
    (
        "dddd4444_plugin_branch.py",
        "revision: str = 'dddd4444'\ndown_revision: str | None = 'aaaa1111'\n",
    ),
    (
        "cccc3333_merge.py",
        "revision = 'cccc3333'\ndown_revision = ('bbbb2222', 'dddd4444')\n",
    ),
    ("__init__.py", ""),
    ("README", "not a migration\n"),
];

struct Postgres {
    port: u16,
    _server: Server,
}

/// A PostgreSQL 15 on 127.0.0.1 with password authentication, and Dify's
/// database and role.
fn start_postgres(root: &Path) -> Postgres {
    let server = start_server(Path::new(PG_BIN_DIR), root, SUPERUSER_PASSWORD);
    let port = server.port;
    for sql in [
        format!("CREATE ROLE dify LOGIN PASSWORD '{APP_PASSWORD}'"),
        "CREATE DATABASE dify OWNER dify".to_string(),
    ] {
        psql(port, "postgres", SUPERUSER_PASSWORD, "postgres", &sql)
            .expect("set up Dify's database");
    }
    Postgres {
        port,
        _server: server,
    }
}

fn sql(pg: &Postgres, statement: &str) {
    psql(pg.port, "dify", APP_PASSWORD, "dify", statement)
        .unwrap_or_else(|error| panic!("{statement}: {error}"));
}

/// Starts the rendered wait the way the init container does, with the
/// variables the pod gets; `seconds` is how long it may wait.
fn start_wait(root: &Path, script: &Path, pg: &Postgres, seconds: u32, run: &str) -> Process {
    let python = require_program("/usr/bin/python3");
    let mut command = Command::new(python);
    command
        .arg(script)
        .env("DB_HOST", "127.0.0.1")
        .env("DB_PORT", pg.port.to_string())
        .env("DB_USERNAME", "dify")
        .env("DB_DATABASE", "dify")
        .env("DB_PASSWORD", APP_PASSWORD)
        .env("MIGRATIONS_DIR", root.join("versions"))
        .env("SCHEMA_WAIT_SECONDS", seconds.to_string())
        .env("SCHEMA_WAIT_INTERVAL", "0.2");
    Process::spawn(
        &format!("wait-for-schema ({run})"),
        command,
        root.join(format!("wait-{run}.log")),
    )
}

fn exit_within(wait: &mut Process, limit: Duration) -> Option<i32> {
    wait_for(
        "the schema wait to exit",
        limit,
        Duration::from_millis(100),
        || wait.exit_code(),
    )
    .ok()
    .map(|(code, _)| code)
}

/// The wait is still running after `period`: it has not let the pod go.
fn still_waiting(wait: &mut Process, period: Duration) {
    std::thread::sleep(period);
    assert_eq!(
        wait.exit_code(),
        None,
        "the wait let the pod start too early:\n{}",
        wait.log_tail(20)
    );
}

#[test]
fn backend_pods_wait_for_the_schema_their_image_expects() {
    let rendered = render_ha();
    // What the init container runs and what it gets: the api image's
    // Python on the rendered script, Dify's database settings from the
    // backend ConfigMap and the password from the Secret.
    assert_eq!(
        rendered.schema_wait_command,
        ["python", "/etc/dify-gen/schema-wait/wait-for-schema.py"]
    );
    assert_eq!(rendered.schema_wait_env, ["DB_PASSWORD"]);
    for var in ["DB_HOST", "DB_PORT", "DB_USERNAME", "DB_DATABASE"] {
        assert!(
            rendered.schema_wait_env_from.iter().any(|k| k == var),
            "the schema wait does not get {var}"
        );
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    hand_over(root, None, 0o755);
    let versions = root.join("versions");
    fs::create_dir_all(&versions).expect("versions dir");
    for (name, text) in MIGRATIONS {
        write_file(&versions.join(name), text, 0o644);
    }
    let script = root.join("wait-for-schema.py");
    write_file(&script, rendered.file("wait-for-schema.py"), 0o755);
    let pg = start_postgres(root);

    // A fresh database: no schema yet, then an older revision, then the
    // image's. The pod goes on only at the last.
    let mut wait = start_wait(root, &script, &pg, 60, "upgrade");
    still_waiting(&mut wait, Duration::from_secs(2));
    sql(
        &pg,
        "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
    );
    sql(&pg, "INSERT INTO alembic_version VALUES ('bbbb2222')");
    still_waiting(&mut wait, Duration::from_secs(2));
    sql(&pg, "UPDATE alembic_version SET version_num = 'cccc3333'");
    let code = exit_within(&mut wait, Duration::from_secs(10));
    assert_eq!(code, Some(0), "{}", wait.log_tail(20));
    assert!(wait.log_tail(40).contains("this image's schema: cccc3333"));

    // An old pod restarting after a newer release migrated: the database is
    // at a revision its image does not know, and it goes on.
    sql(&pg, "UPDATE alembic_version SET version_num = 'ffff9999'");
    let mut old_pod = start_wait(root, &script, &pg, 60, "newer");
    assert_eq!(exit_within(&mut old_pod, Duration::from_secs(10)), Some(0));

    // A migration that never finishes: the wait gives up (the kubelet then
    // restarts it) and the pod never starts.
    sql(&pg, "UPDATE alembic_version SET version_num = 'aaaa1111'");
    let mut stuck = start_wait(root, &script, &pg, 2, "stuck");
    assert_eq!(exit_within(&mut stuck, Duration::from_secs(15)), Some(1));
    assert!(
        stuck.log_tail(20).contains("gave up"),
        "{}",
        stuck.log_tail(20)
    );
}
