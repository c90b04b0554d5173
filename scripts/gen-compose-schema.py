#!/usr/bin/env python3
"""Bundles the Compose Specification's JSON Schema as schemas/config/compose.json.

Usage: gen-compose-schema.py COMPOSE_SPEC_JSON [OUT]

COMPOSE_SPEC_JSON is `schema/compose-spec.json` of compose-spec/compose-spec
(Apache-2.0) at the commit docs/schemas.md names. The bundle has the shape of
every dify-gen bundle: the top-level schema becomes `$defs.Compose`, the
spec's `definitions` move to `$defs` with their `$ref`s rewritten, and
descriptions, titles and `$id`/`$schema` are dropped. Nothing is loosened: the
spec is already strict (`additionalProperties: false`, `x-` extensions only).
"""
import json
import sys
from pathlib import Path

DROP = {"description", "title", "$id", "$schema", "deprecated"}


def convert(node):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in DROP and not isinstance(value, dict):
                continue
            if key == "$ref" and isinstance(value, str):
                value = value.replace("#/definitions/", "#/$defs/")
            out[key] = convert(value)
        return out
    if isinstance(node, list):
        return [convert(v) for v in node]
    return node


def main():
    spec = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parent.parent / "schemas/config/compose.json"
    definitions = spec.pop("definitions")
    top = convert(spec)
    defs = {name: convert(d) for name, d in sorted(definitions.items())}
    defs["Compose"] = top
    bundle = {"kinds": {"config/compose": "Compose"}, "$defs": defs}
    out.write_text(json.dumps(bundle, separators=(",", ":"), sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
