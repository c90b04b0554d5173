#!/usr/bin/env bash
# Benchmark `dify-gen validate` against `kubernetes-validate --strict` on the
# same generated corpus, in one run, and `dify-gen render` against
# `helm template` of the community chart where both are available.
#
#   scripts/bench-validate.sh [RESOURCES]      # default 10000
#
# Needs python3 and pip (kubernetes-validate is installed into a venv under
# target/bench/ on first use) and GNU time (/usr/bin/time) for peak memory.
# Set HELM_CHART=path/to/BorisPolonsky/dify-helm/charts/dify to time helm
# (the helm binary if installed, else Helm's Go SDK via PyPI helm-python-sdk).
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

# Rendering: the whole process, `dify-gen render` of the ha profile against
# `helm template` of the community chart.
# GNU time reports wall time in 10 ms steps, so render is also timed over
# 20 runs in a loop and the mean reported.
read -r r_wall r_rss r_status < <(time_run render "$BIN" render -f profiles/ha.yaml --output-dir "$WORK/render-ha")
start=$(date +%s.%N)
for _ in $(seq 20); do "$BIN" render -f profiles/ha.yaml >/dev/null; done
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v r="$r_rss" -v st="$r_status" -v n="$(grep -c '^kind:' "$WORK/render-ha"/kubernetes/*.yaml | awk -F: '{s+=$2} END {print s}')" 'BEGIN {
    printf "dify-gen render -f profiles/ha.yaml (whole process, incl. validation of its %d objects): %.1f ms mean of 20, peak RSS %.1f MiB (exit %s)\n", n, (e - s) * 1000 / 20, r / 1024, st
}'

# helm: the binary when it is installed, else Helm's own Go SDK (v4) through
# PyPI `helm-python-sdk` (libhelm_c), which renders client-side exactly like
# `helm template`. The chart's subchart dependencies (Bitnami PostgreSQL and
# Redis, Weaviate) are not vendored in its repository and are disabled.
mean_ms() { # mean_ms RUNS CMD...: mean wall time of RUNS runs, in ms
    local runs=$1; shift
    local start end
    start=$(date +%s.%N)
    for _ in $(seq "$runs"); do "$@" >/dev/null; done
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" -v n="$runs" 'BEGIN { printf "%.1f", (e - s) * 1000 / n }'
}
if [[ -z "${HELM_CHART:-}" ]]; then
    echo "helm template: skipped (set HELM_CHART to a checkout of BorisPolonsky/dify-helm's charts/dify)"
elif command -v helm >/dev/null; then
    set_flags=(--set postgresql.enabled=false --set redis.enabled=false --set weaviate.enabled=false)
    read -r h_wall h_rss h_status < <(time_run helm helm template dify "$HELM_CHART" "${set_flags[@]}")
    echo "helm template (BorisPolonsky/dify-helm): $(mean_ms 20 helm template dify "$HELM_CHART" "${set_flags[@]}") ms mean of 20, peak RSS $((h_rss / 1024)) MiB (exit $h_status)"
else
    [[ -x "$WORK/venv/bin/python" ]] && "$WORK/venv/bin/python" -c "import helm_python" 2>/dev/null ||
        "$WORK/venv/bin/pip" install --quiet "helm-python-sdk==0.2.2"
    cat >"$WORK/helm_template.py" <<'PY'
import sys, helm_python as helm
values = {"postgresql": {"enabled": False}, "redis": {"enabled": False}, "weaviate": {"enabled": False}}
with helm.Chart.load(sys.argv[1]) as chart:
    out = chart.render(values, name="dify", namespace="dify")
sys.stdout.write("".join(out.values()))
PY
    read -r h_wall h_rss h_status < <(time_run helm "$WORK/venv/bin/python" "$WORK/helm_template.py" "$HELM_CHART")
    objects=$(grep -c '^kind:' "$WORK/helm.out" || true)
    echo "helm template via Helm $("$WORK/venv/bin/python" -c 'import helm_python as h; print(h.helm_sdk_version())') Go SDK (helm-python-sdk; no helm binary here), BorisPolonsky/dify-helm, $objects objects:" \
        "$(mean_ms 20 "$WORK/venv/bin/python" "$WORK/helm_template.py" "$HELM_CHART") ms mean of 20, peak RSS $((h_rss / 1024)) MiB (exit $h_status)"
fi
