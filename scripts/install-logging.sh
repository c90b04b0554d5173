#!/bin/sh
# Installs what the logging tests run on the rendered output: promtool
# (Debian `prometheus`) for the log alert rules. Idempotent: installs only
# what is missing, and keeps the packaged Prometheus server from starting.
set -eu

if command -v promtool >/dev/null 2>&1; then
    echo "install-logging: ok"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-logging: promtool is missing (run as root to install prometheus)" >&2
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
apt-get install -y --no-install-recommends prometheus
if [ -n "$policy_added" ]; then
    rm -f /usr/sbin/policy-rc.d
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl stop prometheus >/dev/null 2>&1 || true
    systemctl disable prometheus >/dev/null 2>&1 || true
fi
promtool --version
echo "install-logging: ok"
