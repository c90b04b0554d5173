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

. "$(dirname "$0")/lib/install-packages.sh"
# shellcheck disable=SC2086
install_packages install-backup $PACKAGES
# The tests start their own Pushgateway on a port of theirs.
stop_services prometheus-pushgateway

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
