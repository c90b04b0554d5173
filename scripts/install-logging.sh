#!/bin/sh
# Installs what the logging tests run on the rendered output: promtool
# (Debian `prometheus`) for the log alert rules. Idempotent: installs only
# what is missing, and keeps the packaged Prometheus server from starting.
set -eu

. "$(dirname "$0")/lib/install-packages.sh"
install_packages install-logging prometheus
stop_services prometheus
promtool --version
echo "install-logging: ok"
