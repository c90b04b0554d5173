#!/usr/bin/env python3
"""Generate a corpus of valid, mixed Kubernetes manifests for benchmarks.

Usage: python3 scripts/gen-corpus.py OUT_DIR [RESOURCES] [PER_FILE]

Writes RESOURCES documents (default 10000) as multi-document YAML files of
PER_FILE documents each (default 100): Deployments, StatefulSets, Services,
ConfigMaps, Secrets, PodDisruptionBudgets, HorizontalPodAutoscalers,
NetworkPolicies, Ingresses, ServiceAccounts, Roles, RoleBindings, CronJobs.
Only built-in kinds, so any Kubernetes validator can check the same corpus.
Deterministic: the same arguments always write the same files.
"""
import os
import sys


def app(i):
    n = f"app-{i}"
    labels = f"      app.kubernetes.io/name: {n}\n      app.kubernetes.io/part-of: bench\n"
    return n, labels


def workload(kind, i):
    n, _ = app(i)
    extra = f"  serviceName: {n}\n" if kind == "StatefulSet" else ""
    return f"""apiVersion: apps/v1
kind: {kind}
metadata:
  name: {n}
  namespace: bench
  labels:
    app.kubernetes.io/name: {n}
spec:
  replicas: 3
{extra}  selector:
    matchLabels:
      app.kubernetes.io/name: {n}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {n}
    spec:
      serviceAccountName: {n}
      securityContext:
        runAsNonRoot: true
        fsGroup: 1000
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: DoNotSchedule
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: {n}
      containers:
        - name: main
          image: registry.example.com/bench/{n}:1.0.{i}
          imagePullPolicy: IfNotPresent
          args: ["--port", "8080"]
          env:
            - name: LOG_LEVEL
              value: info
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {n}
                  key: password
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet:
              path: /health
              port: http
            periodSeconds: 5
          resources:
            requests:
              cpu: 250m
              memory: 512Mi
            limits:
              memory: 1Gi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
"""


def service(i):
    n, _ = app(i)
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {n}
  namespace: bench
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: {n}
  ports:
    - name: http
      port: 80
      targetPort: http
"""


def configmap(i):
    n, _ = app(i)
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {n}-config
  namespace: bench
data:
  LOG_LEVEL: info
  WORKERS: "{i % 8 + 1}"
  config.yaml: |
    server:
      port: 8080
      timeout: 30s
"""


def secret(i):
    n, _ = app(i)
    return f"""apiVersion: v1
kind: Secret
metadata:
  name: {n}
  namespace: bench
type: Opaque
stringData:
  password: not-a-real-password-{i}
"""


def pdb(i):
    n, _ = app(i)
    return f"""apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {n}
  namespace: bench
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {n}
"""


def hpa(i):
    n, _ = app(i)
    return f"""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {n}
  namespace: bench
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {n}
  minReplicas: 3
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
"""


def netpol(i):
    n, _ = app(i)
    return f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {n}
  namespace: bench
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: {n}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: ingress
      ports:
        - port: 8080
          protocol: TCP
"""


def ingress(i):
    n, _ = app(i)
    return f"""apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {n}
  namespace: bench
spec:
  ingressClassName: nginx
  rules:
    - host: {n}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {n}
                port:
                  name: http
"""


def rbac(i):
    n, _ = app(i)
    return [f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: {n}
  namespace: bench
""", f"""apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {n}
  namespace: bench
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list, watch]
""", f"""apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {n}
  namespace: bench
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {n}
subjects:
  - kind: ServiceAccount
    name: {n}
    namespace: bench
"""]


def cronjob(i):
    n, _ = app(i)
    return f"""apiVersion: batch/v1
kind: CronJob
metadata:
  name: {n}-cleanup
  namespace: bench
spec:
  schedule: "0 3 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: cleanup
              image: registry.example.com/bench/cleanup:1.0
              args: [--older-than, 7d]
"""


def app_docs(i):
    kind = "StatefulSet" if i % 5 == 0 else "Deployment"
    docs = [workload(kind, i), service(i), configmap(i), secret(i), pdb(i), hpa(i) if kind == "Deployment" else None,
            netpol(i), ingress(i), *rbac(i)]
    if i % 4 == 0:
        docs.append(cronjob(i))
    return [d for d in docs if d]


def main():
    out = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    per_file = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    os.makedirs(out, exist_ok=True)
    docs, i = [], 0
    while len(docs) < total:
        docs.extend(app_docs(i))
        i += 1
    docs = docs[:total]
    for f in range(0, total, per_file):
        with open(os.path.join(out, f"part-{f // per_file:04d}.yaml"), "w") as fh:
            fh.write("---\n".join(docs[f:f + per_file]))
    print(f"{total} resources in {(total + per_file - 1) // per_file} files under {out}")


if __name__ == "__main__":
    main()
