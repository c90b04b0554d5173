#!/bin/sh
# Installs the real consumers of the monitoring output (tests/integration/
# monitoring.rs): Prometheus' `promtool` (rule checks, rule unit tests,
# configuration check), Alertmanager's `amtool` (configuration check, route
# tests) and the Alertmanager server itself (the inhibition test runs it on
# 127.0.0.1), and redis_exporter (run against a real Redis with the
# settings of the rendered sidecar). Idempotent: installs only what is
# missing, and keeps the packaged services from starting.
set -eu

PACKAGES="prometheus prometheus-alertmanager prometheus-redis-exporter"

. "$(dirname "$0")/lib/install-packages.sh"
# shellcheck disable=SC2086
install_packages install-monitoring $PACKAGES
stop_services prometheus prometheus-alertmanager prometheus-redis-exporter

promtool --version 2>&1 | head -n 1
amtool --version 2>&1 | head -n 1
echo "install-monitoring: ok"
