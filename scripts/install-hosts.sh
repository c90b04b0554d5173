#!/bin/sh
# Installs the programs the Swarm, Consul and host-preparation tests run on
# what dify-gen renders (tests/integration/swarm.rs): docker-compose
# (`docker-compose config` on the stack; no Docker engine needed), chrony
# (`chronyd -p -f`), openssh-server (`sshd -t -f`), ansible-core
# (`ansible-inventory --list`) and haproxy (`haproxy -c`). Idempotent:
# installs only what is missing, and keeps the packaged services (chrony,
# ssh, haproxy) from starting.
set -eu

PACKAGES="docker-compose chrony openssh-server ansible-core haproxy"

. "$(dirname "$0")/lib/install-packages.sh"
# shellcheck disable=SC2086
install_packages install-hosts $PACKAGES
stop_services chrony ssh haproxy

# sshd -t insists on its privilege-separation directory, which the ssh
# service would create at boot (/run is a tmpfs).
mkdir -p /run/sshd
docker-compose version --short
echo "install-hosts: ok"
