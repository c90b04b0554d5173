#!/bin/sh
# Installs the real programs the backup round trip runs
# (tests/integration/realprograms/backup.rs): pgBackRest, which the pgEdge
# image carries and the rendered CronJobs, archive_command and drill run;
# rclone, which the bucket-copy CronJob runs; and an S3-compatible server on
# 127.0.0.1, moto in server mode from PyPI, in a virtual environment
# ($DIFY_GEN_TEST_PREFIX/moto-venv). PostgreSQL and openssl come from
# install-test-deps.sh. Idempotent: installs only what is missing, and keeps
# packaged services from starting.
set -eu

MOTO_VERSION=5.2.5
PREFIX="${DIFY_GEN_TEST_PREFIX:-/opt/dify-gen-test}"
PACKAGES="pgbackrest rclone python3-venv openssl"

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

venv="$PREFIX/moto-venv"
if ! "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    mkdir -p "$PREFIX"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "moto[server]==$MOTO_VERSION"
fi
pgbackrest version
rclone version | head -n 1
"$venv/bin/python" -c "import moto; print('moto', moto.__version__)"
echo "install-backup: ok"
