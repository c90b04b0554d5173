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

missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-test-deps: missing packages:$missing (run as root to install them)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    # Packaged services must not start (they would hold the default ports).
    policy_added=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_added=yes
    fi
    apt-get install -y --no-install-recommends $missing
    if [ -n "$policy_added" ]; then
        rm -f /usr/sbin/policy-rc.d
    fi
fi

# Stop any packaged service that did start anyway; the tests use other ports,
# but nothing of theirs should keep running.
for service in postgresql redis-server redis-sentinel etcd patroni haproxy squid; do
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl stop "$service" >/dev/null 2>&1 || true
        systemctl disable "$service" >/dev/null 2>&1 || true
    fi
done

venv="$PREFIX/patroni-venv"
if ! "$venv/bin/patroni" --version 2>/dev/null | grep -qx "patroni $PATRONI_VERSION"; then
    mkdir -p "$PREFIX"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "patroni[etcd3,psycopg3]==$PATRONI_VERSION"
fi
"$venv/bin/patroni" --version
echo "install-test-deps: ok"
