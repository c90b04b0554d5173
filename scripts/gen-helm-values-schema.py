#!/usr/bin/env python3
"""Generates a strict JSON Schema for a Helm chart's values from the chart.

Usage: gen-helm-values-schema.py CHART_DIR KIND OUT

    git -C helm-charts archive <commit> charts/fluent-bit | tar -x -C /tmp/hc
    python3 scripts/gen-helm-values-schema.py /tmp/hc/charts/fluent-bit \\
        helm-fluent-bit-0.58.1 schemas/config/helm-fluent-bit-0.58.1.json

A chart without a `values.schema.json` takes any key and ignores the ones
its templates never read, so a misspelt value is lost without a word. The
schema says which keys the chart reads:

* every key of the chart's `values.yaml`, typed by its default: a mapping
  with keys is strict (`additionalProperties: false`); an empty mapping
  (`resources: {}`, `podSecurityContext: {}`) is a free-form object the
  chart hands to Kubernetes as it is; a list is a list (or a string, where
  a template accepts one: `kindIs "string"`); a scalar is its type or null
  (a null default takes anything); a value a template hands to Kubernetes
  whole (`toYaml .Values.livenessProbe`, or less a switch: `omit
  .Values.podSecurityContext "enabled" | toYaml`) is a free-form object,
  Kubernetes' to check;
* every `.Values.a.b.c` path a template reads that `values.yaml` only
  shows in a comment (`serviceMonitor.namespace`), taking anything.

Nothing of the chart is copied into the schema but key names and types.
"""
import json
import re
import sys
from pathlib import Path

import yaml


def infer(value, path, strings, whole):
    if isinstance(value, dict):
        if not value or path in whole:
            return {"type": ["object", "null"]}
        return {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {k: infer(v, f"{path}.{k}", strings, whole) for k, v in sorted(value.items())},
        }
    if isinstance(value, list):
        types = ["array", "null"] + (["string"] if path in strings else [])
        return {"type": types}
    if isinstance(value, bool):
        return {"type": ["boolean", "null"]}
    if isinstance(value, int):
        return {"type": ["integer", "null"]}
    if isinstance(value, float):
        return {"type": ["number", "null"]}
    if isinstance(value, str):
        return {"type": ["string", "null"]}
    return {}


def template_paths(chart):
    """`.Values.` paths the templates read; the list values a template
    also accepts as a string (`with .Values.x` ... `kindIs "string" .`);
    the values a template hands over whole (`toYaml .Values.x`), which
    are Kubernetes' to check, not the chart's."""
    paths, strings, whole = set(), set(), set()
    for t in sorted((chart / "templates").rglob("*")):
        if not t.is_file():
            continue
        text = t.read_text(errors="replace")
        paths.update(re.findall(r"\.Values\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)", text))
        strings.update(re.findall(r'kindIs\s+"string"\s+\$?\.Values\.([A-Za-z0-9_.]+)', text))
        whole.update(re.findall(r"toYaml\s+\$?\.Values\.([A-Za-z0-9_.]+)", text))
        # `omit .Values.x "enabled" | toYaml`: handed over whole but a switch.
        whole.update(re.findall(r'omit\s+\$?\.Values\.([A-Za-z0-9_.]+)(?:\s+"[^"]*")+\s*\|\s*toYaml', text))
        for m in re.finditer(r"with\s+\$?\.Values\.([A-Za-z0-9_.]+)\s*\}\}", text):
            # The body of the `with`, up to its first `end`.
            body = re.split(r"\{\{-?\s*end", text[m.end() :], maxsplit=1)[0]
            if re.search(r'kindIs\s+"string"\s+\.\s', body):
                strings.add(m.group(1))
            if re.search(r"toYaml\s+\.\s", body):
                whole.add(m.group(1))
    return paths, strings, whole


def add_path(schema, parts):
    """Adds a template-read path that values.yaml does not list."""
    node = schema
    for i, part in enumerate(parts):
        if "additionalProperties" not in node:
            return  # a free-form object or a scalar: anything goes below
        props = node.setdefault("properties", {})
        if part not in props:
            props[part] = {} if i == len(parts) - 1 else {"type": ["object", "null"], "additionalProperties": False, "properties": {}}
        node = props[part]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    chart, kind, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    values = yaml.safe_load((chart / "values.yaml").read_text())
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    paths, strings, whole = template_paths(chart)
    schema = infer(values, "", {f".{s}" for s in strings}, {f".{w}" for w in whole})
    schema["type"] = "object"
    for p in sorted(paths):
        add_path(schema, p.split("."))
    name = f"HelmValues.{meta['name']}"
    bundle = {
        "kinds": {f"config/{kind}": name},
        "$defs": {name: {**schema, "description": f"values of the {meta['name']} chart {meta['version']} (app {meta['appVersion']})"}},
    }
    out.write_text(json.dumps(bundle, separators=(",", ":"), sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
