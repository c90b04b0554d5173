#!/bin/sh
# Installs the real programs that read two more of dify-gen's text outputs:
# nginx (`nginx -t` on the Swarm edge's nginx.conf) and Graphviz (`dot` on
# `dify-gen graph --format dot`). Idempotent: installs only what is missing,
# and keeps the packaged nginx service from starting (it would hold port 80).
set -eu

. "$(dirname "$0")/lib/install-packages.sh"
install_packages install-checkers nginx graphviz
stop_services nginx

nginx -v 2>&1 | head -n 1
dot -V 2>&1 | head -n 1
echo "install-checkers: ok"
