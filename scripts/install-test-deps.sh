#!/bin/sh
# Installs the real programs the data-layer integration tests run
# (tests/integration/realprograms): etcd, PostgreSQL, Patroni, Redis, Redis
# Sentinel, HAProxy (the Redis master proxy), Squid (the SSRF proxies) and
# psycopg2 (the schema wait).
# Idempotent: installs only what is missing.
#
# Debian bookworm packages Patroni 3.0.2, which predates quorum commit
# (Patroni 4.0) and the `primary` role name. The rendered configuration targets
# Patroni 4.1.3, the version in the pgEdge image dify-gen deploys, so the same
# Patroni is installed from PyPI into a virtual environment
# ($DIFY_GEN_TEST_PREFIX/patroni-venv) next to the Debian packages.
set -eu

PATRONI_VERSION=4.1.3
PREFIX="${DIFY_GEN_TEST_PREFIX:-/opt/dify-gen-test}"
PACKAGES="etcd-server etcd-client postgresql postgresql-client patroni redis-server redis-sentinel redis-tools haproxy squid python3-psycopg2 python3-venv openssl"

. "$(dirname "$0")/lib/install-packages.sh"
# shellcheck disable=SC2086
install_packages install-test-deps $PACKAGES
stop_services postgresql redis-server redis-sentinel etcd patroni haproxy squid

venv="$PREFIX/patroni-venv"
if ! "$venv/bin/patroni" --version 2>/dev/null | grep -qx "patroni $PATRONI_VERSION"; then
    mkdir -p "$PREFIX"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "patroni[etcd3,psycopg3]==$PATRONI_VERSION"
fi
"$venv/bin/patroni" --version
echo "install-test-deps: ok"
