#!/bin/sh
# Installs Azurite, Microsoft's Azure Storage emulator, from npm, for the
# backup test's Azure Blob repository (tests/integration/realprograms/
# backup_azure.rs): pgBackRest's `repo-type=azure` and rclone's `azureblob`
# remote run against it on 127.0.0.1. Into $DIFY_GEN_TEST_PREFIX/azurite
# (default /opt/dify-gen-test/azurite). Idempotent: does nothing when the
# pinned version is already there.
set -eu

VERSION=3.37.0
PREFIX="${DIFY_GEN_TEST_PREFIX:-/opt/dify-gen-test}"
DEST="$PREFIX/azurite"
BIN="$DEST/node_modules/.bin/azurite-blob"

if [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null)" = "$VERSION" ]; then
    echo "install-azurite: azurite $VERSION already present"
    exit 0
fi

command -v npm >/dev/null 2>&1 || {
    . "$(dirname "$0")/lib/install-packages.sh"
    install_packages install-azurite npm
}

mkdir -p "$DEST"
npm install --silent --no-audit --no-fund --prefix "$DEST" "azurite@$VERSION" >/dev/null
echo "install-azurite: azurite $("$BIN" --version)"
echo "install-azurite: ok"
