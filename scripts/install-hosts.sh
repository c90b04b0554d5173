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

missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-hosts: missing packages:$missing (run as root to install them)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    # Packaged services must not start: sshd would listen on port 22 and
    # chronyd would change the clock of the machine running the tests.
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

for service in chrony ssh haproxy; do
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl stop "$service" >/dev/null 2>&1 || true
        systemctl disable "$service" >/dev/null 2>&1 || true
    fi
done

# sshd -t insists on its privilege-separation directory, which the ssh
# service would create at boot (/run is a tmpfs).
mkdir -p /run/sshd
docker-compose version --short
echo "install-hosts: ok"
