#!/usr/bin/env bash
# Runs every test dify-gen has, installing what the tests need when it is
# missing (Debian packages for the real-program tests, PyPI tools), so a
# fresh machine needs nothing but this script. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# One installer per concern (scripts/install-*.sh), run in name order, so
# each feature adds its own without editing the others.
for installer in scripts/install-*.sh; do
  if [ -x "$installer" ]; then
    "$installer"
  fi
done

cargo test --locked "$@"
