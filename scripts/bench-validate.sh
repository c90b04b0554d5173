#!/usr/bin/env bash
# Benchmark `dify-gen validate` against `kubernetes-validate --strict` on the
# same generated corpus, in one run, and `dify-gen render` against
# `helm template` of the community chart where both are available.
#
#   scripts/bench-validate.sh [RESOURCES]      # default 10000
#
# Needs python3 and pip (kubernetes-validate is installed into a venv under
# target/bench/ on first use) and GNU time (/usr/bin/time) for peak memory.
# Set HELM_CHART=path/to/BorisPolonsky/dify-helm/charts/dify to run
# scripts/bench-render.sh (render against helm template) as well.
set -euo pipefail

cd "$(dirname "$0")/.."
N="${1:-10000}"
WORK=target/bench
CORPUS="$WORK/corpus-$N"
KV_VERSION=1.37.0
JOBS="${JOBS:-$(nproc)}"
mkdir -p "$WORK"

cargo build --release --quiet
BIN=target/release/dify-gen

if [[ ! -x "$WORK/venv/bin/kubernetes-validate" ]]; then
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install --quiet "kubernetes-validate==$KV_VERSION"
fi
[[ -d "$CORPUS" ]] || python3 scripts/gen-corpus.py "$CORPUS" "$N" 100 >/dev/null

# time_run NAME CMD...: runs CMD under GNU time, prints wall seconds and peak RSS.
time_run() {
    local name=$1; shift
    local log="$WORK/$name.time"
    local status=0
    /usr/bin/time -v "$@" >"$WORK/$name.out" 2>"$log" || status=$?
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
        awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    echo "$wall $rss $status"
}

echo "corpus: $N resources in $(ls "$CORPUS" | wc -l) files ($(du -sh "$CORPUS" | cut -f1)), $JOBS cores"

# best of three for the fast tool, so one noisy run does not decide the figure
best() { sort -n -k1,1 | head -1; }
read -r dg_wall dg_rss dg_status < <(for _ in 1 2 3; do time_run dify-gen "$BIN" validate -j "$JOBS" "$CORPUS"; done | best)
read -r d1_wall d1_rss d1_status < <(for _ in 1 2 3; do time_run dify-gen-1 "$BIN" validate -j 1 "$CORPUS"; done | best)
read -r kv_wall kv_rss kv_status < <(time_run kubernetes-validate \
    "$WORK/venv/bin/kubernetes-validate" --strict --quiet -k "$KV_VERSION" "$CORPUS"/*.yaml)

[[ $dg_status == 0 ]] || { echo "dify-gen validate reported findings (exit $dg_status):"; tail -5 "$WORK/dify-gen.out"; }
[[ $kv_status == 0 ]] || { echo "kubernetes-validate reported findings (exit $kv_status):"; tail -5 "$WORK/kubernetes-validate.out"; }

awk -v n="$N" -v dw="$dg_wall" -v dr="$dg_rss" -v d1w="$d1_wall" -v d1r="$d1_rss" -v kw="$kv_wall" -v kr="$kv_rss" 'BEGIN {
    printf "%-34s %9s %14s %12s\n", "tool", "wall (s)", "resources/s", "peak RSS"
    printf "%-34s %9.2f %14.0f %9.1f MiB\n", "dify-gen validate (all cores)", dw, n / dw, dr / 1024
    printf "%-34s %9.2f %14.0f %9.1f MiB\n", "dify-gen validate -j 1", d1w, n / d1w, d1r / 1024
    printf "%-34s %9.2f %14.0f %9.1f MiB\n", "kubernetes-validate --strict", kw, n / kw, kr / 1024
    printf "ratio (dify-gen / kubernetes-validate, resources/s): %.1fx\n", kw / dw
}'

# Rendering against `helm template` of the community chart: a script of
# its own (scripts/bench-render.sh CHART_DIR, which says how to get the
# chart), run here when HELM_CHART points at the chart.
if [[ -n "${HELM_CHART:-}" ]]; then
    scripts/bench-render.sh "$HELM_CHART"
else
    echo "render against helm template: skipped (set HELM_CHART; see scripts/bench-render.sh)"
fi
