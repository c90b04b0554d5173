# Sourced by scripts/install-*.sh: `install_packages NAME PKG...` installs
# the Debian packages that are missing (as root; otherwise it fails saying
# which), with packaged services kept from starting while they install.
install_packages() {
    who=$1
    shift
    missing=""
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $package"
        fi
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "$who: missing packages:$missing (run as root to install them)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    # Packaged services must not start (they would hold default ports, or
    # change the clock of the machine running the tests).
    policy_added=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_added=yes
    fi
    # shellcheck disable=SC2086
    apt-get install -y --no-install-recommends $missing
    if [ -n "$policy_added" ]; then
        rm -f /usr/sbin/policy-rc.d
    fi
}

# `stop_services NAME...`: stops and disables packaged services that started
# anyway (where systemd runs).
stop_services() {
    for service in "$@"; do
        if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
            systemctl stop "$service" >/dev/null 2>&1 || true
            systemctl disable "$service" >/dev/null 2>&1 || true
        fi
    done
}
