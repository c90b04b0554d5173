//! pgvector on the Patroni cluster: the rendered `post-bootstrap.sh` of
//! `examples/day-one.yaml` (vector store `pgvector` in database
//! `dify_vector` on the Patroni cluster) runs against a real PostgreSQL that
//! carries the extension (`scripts/install-pgvector.sh`: PostgreSQL 16 with
//! pgvector 0.6, from PyPI), the way Patroni runs it once after
//! initialising the cluster: a connection string as `$1`, the superuser's
//! password in the environment. Then Dify's role, not the superuser, must
//! be able to create a collection table with a `vector` column and search
//! it, as Dify's pgvector store does.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::harness::{psql, require_program, run_bounded, test_prefix};
use super::postgres::start_server;
use super::rendered::{read_objects, render_into};

const SUPERUSER_PASSWORD: &str = "superuser-test-password";
const APP_PASSWORD: &str = "dify-test-password";

#[test]
fn post_bootstrap_creates_the_vector_extension_dify_can_use() {
    let bin = test_prefix().join("pgvector/pgserver/pginstall/bin");
    let sh = require_program("/bin/sh");
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("rendered");
    render_into(Path::new("examples/day-one.yaml"), &out);
    let objects = read_objects(&out.join("kubernetes"));
    let config = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "dify-postgres-patroni")
        .expect("the Patroni ConfigMap");
    let script = config["data"]["post-bootstrap.sh"]
        .as_str()
        .expect("post-bootstrap.sh");
    assert!(
        script.contains("CREATE EXTENSION IF NOT EXISTS vector"),
        "{script}"
    );
    let script_path = root.path().join("post-bootstrap.sh");
    std::fs::write(&script_path, script).expect("write the script");

    let server = start_server(&bin, root.path(), SUPERUSER_PASSWORD);
    let connection = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres",
        server.port
    );
    // Twice: a bootstrap retried after a crash must not fail on what the
    // first run created.
    for run in ["first", "second"] {
        let mut command = Command::new(&sh);
        command
            .arg(&script_path)
            .arg(&connection)
            .env("PGPASSWORD", SUPERUSER_PASSWORD)
            .env("DIFY_DB_PASSWORD", APP_PASSWORD)
            .env("PGCONNECT_TIMEOUT", "5");
        let (ok, output) = run_bounded(command, Duration::from_secs(60));
        assert!(ok, "post-bootstrap.sh ({run} run) failed:\n{output}");
    }

    let app = |database: &str, sql: &str| {
        psql(server.port, "dify", APP_PASSWORD, database, sql)
            .unwrap_or_else(|error| panic!("{sql} in {database}: {error}"))
    };
    let version = app(
        "dify_vector",
        "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
    );
    assert!(!version.is_empty(), "no vector extension in dify_vector");
    // Only the vector database gets the extension.
    assert_eq!(
        app(
            "dify",
            "SELECT count(*) FROM pg_extension WHERE extname = 'vector'"
        ),
        "0"
    );
    // What Dify's pgvector store does with a collection: a table with an
    // embedding column, rows, a nearest-neighbour search.
    app(
        "dify_vector",
        "CREATE TABLE embedding_test (id text PRIMARY KEY, embedding vector(3) NOT NULL)",
    );
    app(
        "dify_vector",
        "INSERT INTO embedding_test VALUES ('a', '[1,0,0]'), ('b', '[0,1,0]'), ('c', '[0.9,0.1,0]')",
    );
    assert_eq!(
        app(
            "dify_vector",
            "SELECT id FROM embedding_test ORDER BY embedding <=> '[1,0,0]' LIMIT 2",
        ),
        "a\nc"
    );
}
