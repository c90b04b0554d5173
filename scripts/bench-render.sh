#!/usr/bin/env bash
# Benchmark `dify-gen render -f profiles/ha.yaml` (release build, strict
# validation of everything it renders included) against `helm template` of
# the community chart, in one run: as whole processes, interleaved, medians
# of wall and CPU time of RUNS rounds (default 30), peak RSS under GNU time,
# and the ratios (scripts/bench-compare.py). dify-gen runs twice: the
# binary scripts/build-release.sh builds (static-pie on Linux with glibc)
# and the dynamically linked one of a plain `cargo build --release`.
#
#   scripts/bench-render.sh CHART_DIR      # RUNS=50 scripts/bench-render.sh ...
#
# CHART_DIR is BorisPolonsky/dify-helm's `charts/dify` at chart 0.38.0-rc2
# (tag dify-0.38.0-rc2, commit 3c4ef10). It is not part of this repository;
# get it with
#
#   git clone https://github.com/BorisPolonsky/dify-helm /tmp/dify-helm
#   git -C /tmp/dify-helm archive dify-0.38.0-rc2 charts/dify | tar -x -C /tmp/dify-chart
#   scripts/bench-render.sh /tmp/dify-chart/charts/dify
#
# The chart is copied to target/bench/ with its subchart dependencies
# (Bitnami PostgreSQL and Redis, Weaviate) removed from Chart.yaml: they are
# not vendored in its repository, and they are disabled with --set as well.
# helm is the one scripts/install-helm.sh installs (HELM=... to use another).
set -euo pipefail

[[ $# -eq 1 && -f "$1/Chart.yaml" ]] || {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    echo "error: give the chart directory (it has no Chart.yaml: ${1:-none given})" >&2
    exit 2
}
CHART_SRC=$1
cd "$(dirname "$0")/.."
RUNS="${RUNS:-30}"
WORK=target/bench
mkdir -p "$WORK"

cargo build --release --locked --quiet
DYN=target/release/dify-gen
BIN=$(scripts/build-release.sh)
HELM="${HELM:-$(command -v helm || true)}"
[[ -n "$HELM" ]] || { echo "error: no helm; run scripts/install-helm.sh" >&2; exit 2; }

chart="$WORK/dify-chart"
rm -rf "$chart" && cp -r "$CHART_SRC" "$chart"
awk '/^dependencies:/ {skip = 1; next} skip && /^[^ -]/ {skip = 0} !skip' "$CHART_SRC/Chart.yaml" >"$chart/Chart.yaml"
rm -f "$chart/Chart.lock"
helm_args=(template dify "$chart" --set postgresql.enabled=false --set redis.enabled=false --set weaviate.enabled=false)

cmp -s <("$BIN" render -f profiles/ha.yaml) <("$DYN" render -f profiles/ha.yaml) ||
    { echo "error: $BIN and $DYN render different streams" >&2; exit 1; }
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "dify-gen: $("$BIN" --version), render -f profiles/ha.yaml: $("$BIN" render -f profiles/ha.yaml | grep -c '^kind:') objects, $("$BIN" render -f profiles/ha.yaml | wc -c) bytes"
echo "helm: $("$HELM" version --short), chart $(awk '/^version:/ {print $2}' "$chart/Chart.yaml"): $("$HELM" "${helm_args[@]}" | grep -c '^kind:') objects, $("$HELM" "${helm_args[@]}" | wc -c) bytes"
python3 scripts/bench-compare.py "$RUNS" \
    "dify-gen render (ha, validated)=$BIN render -f profiles/ha.yaml" \
    "dify-gen, dynamic (cargo build --release)=$DYN render -f profiles/ha.yaml" \
    "helm template (dify-helm, subcharts off)=$HELM ${helm_args[*]}"
