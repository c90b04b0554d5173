#!/bin/sh
# Installs the real programs the backup round trip runs
# (tests/integration/realprograms/backup.rs): pgBackRest, which the pgEdge
# image carries and the rendered CronJobs, archive_command and drill run;
# rclone, which the bucket-copy CronJob runs; the Prometheus Pushgateway the
# drill pushes its figures to; and an S3-compatible server on 127.0.0.1: moto
# from PyPI, served over HTTPS with keep-alive by gunicorn (pgBackRest speaks
# S3 over HTTPS only, and moto's own development server closes every
# connection), in a virtual environment ($DIFY_GEN_TEST_PREFIX/moto-venv).
# PostgreSQL and openssl come from install-test-deps.sh. Idempotent: installs only what is missing, and keeps
# packaged services from starting.
set -eu

MOTO_VERSION=5.2.5
GUNICORN_VERSION=23.0.0
PREFIX="${DIFY_GEN_TEST_PREFIX:-/opt/dify-gen-test}"
PACKAGES="pgbackrest rclone prometheus-pushgateway python3-venv openssl"

missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-backup: missing packages:$missing (run as root to install them)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
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

# The tests start their own Pushgateway on a port of theirs.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl stop prometheus-pushgateway >/dev/null 2>&1 || true
    systemctl disable prometheus-pushgateway >/dev/null 2>&1 || true
fi

venv="$PREFIX/moto-venv"
if ! "$venv/bin/python" -c "import moto, gunicorn, sys; sys.exit(moto.__version__ != '$MOTO_VERSION' or gunicorn.__version__ != '$GUNICORN_VERSION')" 2>/dev/null; then
    mkdir -p "$PREFIX"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "moto[server]==$MOTO_VERSION" "gunicorn==$GUNICORN_VERSION"
fi
pgbackrest version
rclone version | head -n 1
"$venv/bin/python" -c "import moto, gunicorn; print('moto', moto.__version__, 'gunicorn', gunicorn.__version__)"
echo "install-backup: ok"
