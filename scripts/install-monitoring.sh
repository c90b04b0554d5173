#!/bin/sh
# Installs the real consumers of the monitoring output (tests/integration/
# monitoring.rs): Prometheus' `promtool` (rule checks and rule unit tests)
# and Alertmanager's `amtool` (configuration check, route tests) with the
# `alertmanager` server itself (the inhibition test runs it on 127.0.0.1).
# Idempotent: installs only what is missing, and keeps the packaged
# services from starting.
set -eu

PACKAGES="prometheus prometheus-alertmanager"

missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-monitoring: missing packages:$missing (run as root to install them)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    # Packaged services must not start (they would hold ports 9090 and 9093).
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

for service in prometheus prometheus-alertmanager; do
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl stop "$service" >/dev/null 2>&1 || true
        systemctl disable "$service" >/dev/null 2>&1 || true
    fi
done

promtool --version 2>&1 | head -n 1
amtool --version 2>&1 | head -n 1
echo "install-monitoring: ok"
