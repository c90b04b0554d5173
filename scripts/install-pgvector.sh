#!/bin/sh
# Installs a PostgreSQL server that carries the pgvector extension, for the
# test that runs the rendered Patroni post-bootstrap script's
# `CREATE EXTENSION vector` (tests/integration/realprograms/pgvector.rs).
# Debian bookworm packages no pgvector and the PGDG apt repository is not
# reachable from the test machines, so it comes from PyPI: the `pgserver`
# wheel ships an upstream PostgreSQL 16 build with pgvector 0.6 (vector.so
# and its extension scripts). Only the wheel's `pginstall` tree is used, not
# its Python code: the wheel is unpacked, not pip-installed.
# Idempotent: installs only when the pinned version is missing.
set -eu

PGSERVER_VERSION=0.1.4
PREFIX="${DIFY_GEN_TEST_PREFIX:-/opt/dify-gen-test}"
dir="$PREFIX/pgvector"
bin="$dir/pgserver/pginstall/bin"

if ! [ -f "$dir/pgserver/pginstall/share/postgresql/extension/vector.control" ] \
    || ! "$bin/postgres" --version 2>/dev/null | grep -q "(PostgreSQL) 16\."; then
    . "$(dirname "$0")/lib/install-packages.sh"
    install_packages install-pgvector python3-venv
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    # A throwaway venv for its pip: Debian's python3 has none by default.
    /usr/bin/python3 -m venv "$tmp/venv"
    "$tmp/venv/bin/pip" download --quiet --disable-pip-version-check --no-deps \
        --only-binary=:all: --python-version 3.11 --platform manylinux2014_x86_64 \
        -d "$tmp" "pgserver==$PGSERVER_VERSION"
    rm -rf "$dir"
    mkdir -p "$dir"
    /usr/bin/python3 - "$tmp"/pgserver-*.whl "$dir" <<'PY'
import sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
# The server tree, and the libraries its RPATH names
# ($ORIGIN/../../../pgserver.libs), in the wheel's layout.
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(("pgserver/pginstall/", "pgserver.libs/")):
            z.extract(name, target)
PY
    chmod +x "$bin"/*
fi
# PostgreSQL refuses to run as root: the test runs it as the `postgres` user
# the Debian package creates, which must be able to read the installation.
chmod -R a+rX "$dir"
"$bin/postgres" --version
echo "install-pgvector: ok"
