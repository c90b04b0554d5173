#!/usr/bin/env bash
# Build the release binary as it is meant to be shipped, and print its path.
#
#   scripts/build-release.sh            # prints e.g. target/x86_64-unknown-linux-gnu/release/dify-gen
#
# On Linux with glibc it is linked statically (static-pie: position
# independent, so ASLR still applies): no shared libraries to load and bind
# at start, which is about 1 ms of every run of a command that takes ten
# or twenty (docs/benchmarks.md). cargo applies `-C target-feature=+crt-static`
# to proc-macro crates too unless the target is named, so the target is
# given explicitly, and the binary lands under target/<target>/release/.
# Elsewhere it is a plain `cargo build --release`. `cargo build --release`
# and `cargo install --path .` stay dynamically linked, and otherwise the same.
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
case "$host" in
*-linux-gnu)
    RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
        cargo build --release --locked --quiet --target "$host" >&2
    echo "target/$host/release/dify-gen"
    ;;
*)
    cargo build --release --locked --quiet >&2
    echo "target/release/dify-gen"
    ;;
esac
