#!/usr/bin/env python3
"""Generates schemas/config/fluent-bit.json from Fluent Bit's own sources.

Usage: gen-fluent-bit-schema.py FLUENT_BIT_SOURCE [OUT]

FLUENT_BIT_SOURCE is a checkout of fluent/fluent-bit (Apache-2.0) at the tag
docs/schemas.md names, or just its `src`, `include` and `plugins` folders:

    git -C fluent-bit archive v5.1.1 src include plugins | tar -x -C /tmp/fb
    python3 scripts/gen-fluent-bit-schema.py /tmp/fb

Nothing of Fluent Bit is copied into the schema but names, types and the
value lists its parsers compare against. What is read, and from where:

* every plugin: the `struct flb_{input,filter,output,processor,custom}_plugin`
  in `plugins/*/`, its `.name`, `.flags` and `.config_map`, and that config
  map (`struct flb_config_map NAME[]`: type, name, the MULT flag). The five
  plugins without a config map get the keys they read with
  `flb_*_get_property("key", ...)`.
* the properties every instance of a kind takes: the kind's global config
  map and every `prop_key_check("key", ...)` of its `set_property`
  (`src/flb_{input,filter,output,processor,custom}.c`), the TLS config map
  (`src/tls/flb_tls.c`), the `net.` keys of the upstream and downstream
  config maps (`src/flb_{up,down}stream.c`), the `oauth2.` keys
  (`src/flb_oauth2*.c`), and the HTTP server keys for plugins flagged
  `*_HTTP_SERVER` (`src/http_server/flb_http_server_config_map.c`).
  `active` and `condition` are accepted everywhere, as
  `flb_config_map_properties_check` does.
* `service`: `service_configs[]` of `src/flb_config.c` with the key macros of
  `include/fluent-bit/flb_config.h`.
* `parsers` and `multiline_parsers`: the keys `src/flb_parser.c` reads with
  `get_parser_key` (and `decode_field`, `decode_field_as`); the formats it
  compares against, the multiline types of `flb_ml_type_lookup`.
* log levels: `flb_log_get_level_str` (`src/flb_log.c`).

The schema is as strict as Fluent Bit's own check, and stricter where
Fluent Bit would silently misread a value:

* unknown plugins and unknown properties are errors (Fluent Bit refuses them
  at start-up, but only for plugins with a config map);
* names are the canonical lower-case ones: Fluent Bit compares them without
  regard to case, and dify-gen folds a configuration's names before the
  check (`src/validate/fluent_bit.rs`); `STR_PREFIX` keys (`parser_*` of
  `tail`) match by their prefix;
* a key may be a list only when its config map entry is `MULT`;
* booleans are what `flb_utils_bool` accepts, integers, numbers, sizes
  (`flb_utils_size_to_bytes`) and times (`flb_utils_time_to_seconds`) what
  those parse without garbage; any value may instead hold `${VAR}`, which
  Fluent Bit replaces at start-up.
"""
import json
import re
import sys
from pathlib import Path

KINDS = ("input", "filter", "output", "processor", "custom")

# Value types of Fluent Bit's config map (include/fluent-bit/flb_config_map.h)
# and of its service table, to the definitions below.
TYPES = {
    "FLB_CONFIG_MAP_BOOL": "Bool",
    "FLB_CONFIG_MAP_INT": "Int",
    "FLB_CONFIG_MAP_DOUBLE": "Number",
    "FLB_CONFIG_MAP_SIZE": "Size",
    "FLB_CONFIG_MAP_TIME": "Time",
    "FLB_CONFIG_MAP_VARIANT": "Value",
    "FLB_CONF_TYPE_BOOL": "Bool",
    "FLB_CONF_TYPE_INT": "Int",
    "FLB_CONF_TYPE_DOUBLE": "Number",
}

ENV = r"\$\{[^}]+\}"


def typed(pattern, json_types, description):
    """A scalar of `json_types`, or a string matching `pattern` or holding
    an environment variable reference."""
    return {
        "type": json_types,
        "pattern": rf"^(?:{pattern})$|{ENV}",
        "description": description,
    }


COMMON_DEFS = {
    "Scalar": {"type": ["string", "number", "boolean"]},
    "Value": {"type": ["string", "number", "boolean", "array", "object"]},
    "Many": {"type": ["string", "number", "boolean", "array"], "items": {"$ref": "#/$defs/Scalar"}},
    "Bool": typed("(?i:true|false|on|off|yes|no)", ["boolean", "string"], "on, off, true, false, yes or no"),
    "Int": typed(r"[-+]?[0-9]+", ["integer", "string"], "an integer"),
    "Number": typed(r"[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?", ["number", "string"], "a number"),
    "Size": typed(
        r"(?i:false)|[0-9]+(?:\.[0-9]+)?(?i:[kmg]b?)?", ["integer", "string"], "a size: bytes, or a number with K, M or G (powers of 1000)"
    ),
    "Time": typed(r"[0-9]+(?i:[smhd])?", ["integer", "string"], "a time: seconds, or a number with s, m, h or d"),
}


def strip_comments(text):
    """C source without comments; string and character literals kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def block(text, start):
    """The text inside the braces that open at or after `start`, without
    preprocessor lines: what is under `#ifdef` counts, the schema covers
    every build."""
    return re.sub(r"^\s*#.*$", "", raw_block(text, start), flags=re.M)


def raw_block(text, start):
    i = text.index("{", start)
    depth, j, quote = 0, i, None
    while j < len(text):
        c = text[j]
        if quote:
            if c == "\\":
                j += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j]
        j += 1
    raise ValueError("unbalanced braces")


def split_top(text):
    """Top-level comma-separated items (outside braces, parentheses, strings)."""
    items, depth, cur, quote, i = [], 0, [], None, 0
    while i < len(text):
        c = text[i]
        if quote:
            cur.append(c)
            if c == "\\":
                cur.append(text[i + 1])
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
            cur.append(c)
        elif c in "({":
            depth += 1
            cur.append(c)
        elif c in ")}":
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        items.append("".join(cur).strip())
    return items


STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


class Source:
    def __init__(self, root):
        self.root = Path(root)
        self.macros = {}
        for header in sorted(self.root.glob("include/**/*.h")):
            self.read_macros(header)

    def text(self, rel):
        return strip_comments((self.root / rel).read_text(errors="replace"))

    def read_macros(self, path):
        text = strip_comments(path.read_text(errors="replace")).replace("\\\n", " ")
        for m in re.finditer(r'^\s*#\s*define\s+(\w+)\s+((?:"(?:[^"\\]|\\.)*"\s*)+)$', text, re.M):
            self.macros.setdefault(m.group(1), "".join(STRING.findall(m.group(2))))

    def name_of(self, token, local):
        """A config key: a string literal (adjacent literals joined) or a
        macro that expands to one."""
        token = token.strip()
        if token.startswith('"'):
            return "".join(STRING.findall(token))
        if token in local:
            return local[token]
        if token in self.macros:
            return self.macros[token]
        raise KeyError(f"cannot resolve config key {token!r}")

    def config_maps(self, text, local):
        """Every `struct flb_config_map NAME[] = {...}` of a source text:
        NAME to [(key, type, mult)]."""
        maps = {}
        for m in re.finditer(r"struct\s+flb_config_map\s+(\w+)\s*\[\s*\]\s*=", text):
            entries = []
            for entry in split_top(block(text, m.end())):
                entry = entry.strip()
                if not entry.startswith("{"):
                    continue
                fields = split_top(entry.strip()[1:-1])
                if len(fields) < 2 or fields[0] in ("0", ""):
                    continue
                kind = fields[0].strip()
                key = self.name_of(fields[1], local)
                mult = len(fields) > 3 and "FLB_CONFIG_MAP_MULT" in fields[3]
                entries.append((key, kind, mult))
            maps[m.group(1)] = entries
        return maps


def local_macros(source, folder):
    """String macros defined in a plugin's folder."""
    macros = {}
    for path in sorted(folder.glob("*.[ch]")):
        text = strip_comments(path.read_text(errors="replace")).replace("\\\n", " ")
        for m in re.finditer(r'^\s*#\s*define\s+(\w+)\s+((?:"(?:[^"\\]|\\.)*"\s*)+)$', text, re.M):
            macros.setdefault(m.group(1), "".join(STRING.findall(m.group(2))))
    return macros


def prop(kind, mult):
    if mult:
        return "Many"
    return TYPES.get(kind, "Scalar")


def add(props, key, kind="", mult=False):
    key = key.lower()
    new = prop(kind, mult)
    old = props.get(key)
    # A typed or repeatable declaration wins over an untyped one.
    if old is None or old == "Scalar":
        props[key] = new


def plugins(source):
    """kind -> name -> {"props": {key: def}, "prefixes": [...], "flags": str}."""
    found = {k: {} for k in KINDS}
    for folder in sorted(p for p in (source.root / "plugins").iterdir() if p.is_dir()):
        local = local_macros(source, folder)
        texts = {p.name: strip_comments(p.read_text(errors="replace")) for p in sorted(folder.glob("*.c"))}
        maps = {}
        for text in texts.values():
            maps.update(source.config_maps(text, local))
        for text in texts.values():
            for m in re.finditer(r"struct\s+flb_(\w+?)_plugin\s+\w+\s*=\s*\{", text):
                kind = m.group(1)
                if kind not in KINDS:
                    continue
                body = block(text, m.start())
                fields = {}
                for item in split_top(body):
                    fm = re.match(r"\.(\w+)\s*=\s*(.*)", item.strip(), re.S)
                    if fm:
                        fields[fm.group(1)] = fm.group(2).strip()
                name = source.name_of(fields["name"], local)
                props, prefixes = {}, []
                ident = fields.get("config_map")
                if ident and ident != "NULL":
                    for key, t, mult in maps[ident]:
                        if t == "FLB_CONFIG_MAP_STR_PREFIX":
                            prefixes.append(key.lower())
                        else:
                            add(props, key, t, mult)
                else:
                    for text2 in texts.values():
                        for key in re.findall(r"flb_\w+_get_property\(\s*\"([^\"]+)\"", text2):
                            add(props, key)
                found[kind][name] = {"props": props, "prefixes": prefixes, "flags": fields.get("flags", "")}
    return found


def core(source):
    """Properties every instance of a kind takes, and the optional groups."""
    tls = source.config_maps(source.text("src/tls/flb_tls.c"), {})["tls_configmap"]
    up = source.config_maps(source.text("src/flb_upstream.c"), {})["upstream_net"]
    down = source.config_maps(source.text("src/flb_downstream.c"), {})["downstream_net"]
    oauth2 = source.config_maps(source.text("src/flb_oauth2.c"), {})["oauth2_config_map"]
    jwt = source.config_maps(source.text("src/flb_oauth2_jwt.c"), {})["oauth2_jwt_config_map"]
    http = source.config_maps(source.text("src/http_server/flb_http_server_config_map.c"), {})[
        "flb_http_server_config_map"
    ]
    out = {}
    for kind in KINDS:
        text = source.text(f"src/flb_{kind}.c")
        props = {}
        for entries in source.config_maps(text, {}).values():
            for key, t, mult in entries:
                add(props, key, t, mult)
        for key in re.findall(r'prop_key_check\(\s*"([^"]+)"', text):
            add(props, key)
        for key in ("active", "condition"):
            add(props, key, "FLB_CONFIG_MAP_VARIANT" if key == "condition" else "FLB_CONFIG_MAP_BOOL")
        if kind in ("input", "output"):
            for key, t, mult in tls:
                add(props, key, t, mult)
        if kind == "input":
            for key, t, mult in down + up + jwt:
                add(props, key, t, mult)
        if kind == "output":
            for key, t, mult in up + oauth2:
                add(props, key, t, mult)
        if kind == "custom":
            for key, t, mult in up + down:
                add(props, key, t, mult)
        out[kind] = props
    http_props = {}
    for key, t, mult in http:
        add(http_props, key, t, mult)
    return out, http_props


def service(source):
    text = source.text("src/flb_config.c")
    body = block(text, text.index("service_configs[]"))
    props = {}
    for entry in split_top(body):
        fields = split_top(entry.strip()[1:-1]) if entry.strip().startswith("{") else []
        if len(fields) < 2 or fields[0] == "NULL":
            continue
        add(props, source.name_of(fields[0], {}), fields[1].strip())
    return props


def log_levels(source):
    text = source.text("src/flb_log.c")
    body = text[text.index("int flb_log_get_level_str") :]
    body = body[: body.index("\n}")]
    return re.findall(r'strcasecmp\(str, "([^"]+)"\)', body)


def parser_keys(source):
    text = source.text("src/flb_parser.c")
    split = text.index("int flb_parser_load_multiline_parser_definitions")
    keys = lambda t: sorted(set(re.findall(r'get_parser_key\([^"]*"([^"]+)"\)', t)))
    formats = sorted(set(re.findall(r'strcasecmp\(format, "([^"]+)"\)', text)))
    decoder = source.text("src/flb_parser_decoder.c")
    decoders = sorted(set(re.findall(r'strcasecmp\(entry->key, "([^"]+)"\)', decoder)))
    ml = source.text("src/multiline/flb_ml.c")
    body = ml[ml.index("int flb_ml_type_lookup") :]
    ml_types = re.findall(r'strcasecmp\(str, "([^"]+)"\)', body[: body.index("\n}")])
    return keys(text[:split]) + decoders, formats, keys(text[split:]), ml_types


def object_def(props, prefixes=(), extra=None):
    """A strict object of `props` (key -> definition name)."""
    properties = {k: {"$ref": f"#/$defs/{v}"} for k, v in sorted(props.items())}
    properties.update(extra or {})
    patterns = {rf"^{re.escape(p)}.+$": {"$ref": "#/$defs/Scalar"} for p in sorted(prefixes)}
    d = {"type": "object", "properties": properties, "additionalProperties": False}
    if patterns:
        d["patternProperties"] = patterns
    return d


def dispatch(kind_names, description):
    """A plugin instance: `name` one of the plugins, then that plugin's keys."""
    names = sorted(kind_names)
    return {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"enum": [n for n, _ in names], "description": description}},
        "allOf": [
            {"if": {"properties": {"name": {"const": n}}, "required": ["name"]}, "then": {"$ref": f"#/$defs/{ref}"}}
            for n, ref in names
        ],
    }


def lists_of(**items):
    """A strict object whose keys are lists of the named definitions."""
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {k: {"type": "array", "items": {"$ref": f"#/$defs/{d}"}} for k, d in items.items()},
    }


def build(root):
    source = Source(root)
    found = plugins(source)
    common, http = core(source)
    defs = dict(COMMON_DEFS)
    defs["LogLevel"] = {"anyOf": [{"enum": log_levels(source)}, {"type": "string", "pattern": ENV}]}
    processors_ref = {"$ref": "#/$defs/Processors"}
    for kind in KINDS:
        for name, p in sorted(found[kind].items()):
            props = dict(common[kind])
            for key, v in p["props"].items():
                if props.get(key, "Scalar") == "Scalar" or v != "Scalar":
                    props[key] = v
            if "HTTP_SERVER" in p["flags"]:
                for key, v in http.items():
                    props.setdefault(key, v)
            props["log_level"] = "LogLevel"
            props.pop("name", None)
            extra = {"name": {"type": "string"}}
            if kind in ("input", "output"):
                extra["processors"] = processors_ref
            if kind == "input":
                extra["routes"] = {"$ref": "#/$defs/Value"}
                extra["telemetry"] = {"type": "object"}
            defs[f"{kind}.{name}"] = object_def(props, p["prefixes"], extra)
    defs["Input"] = dispatch([(n, f"input.{n}") for n in found["input"]], "an input plugin of Fluent Bit 5.1")
    defs["Filter"] = dispatch([(n, f"filter.{n}") for n in found["filter"]], "a filter plugin of Fluent Bit 5.1")
    defs["Output"] = dispatch([(n, f"output.{n}") for n in found["output"]], "an output plugin of Fluent Bit 5.1")
    defs["Custom"] = dispatch([(n, f"custom.{n}") for n in found["custom"]], "a custom plugin of Fluent Bit 5.1")
    # A processor unit is a filter (logs only) or a processor; filters are
    # looked up first (flb_processor_unit_create).
    logs_units = {n: f"filter.{n}" for n in found["filter"]}
    for n in found["processor"]:
        logs_units.setdefault(n, f"processor.{n}")
    defs["LogsProcessor"] = dispatch(sorted(logs_units.items()), "a filter or processor plugin of Fluent Bit 5.1")
    defs["Processor"] = dispatch([(n, f"processor.{n}") for n in found["processor"]], "a processor plugin of Fluent Bit 5.1")
    defs["Processors"] = lists_of(logs="LogsProcessor", metrics="Processor", traces="Processor", profiles="Processor")
    svc = service(source)
    svc["log_level"] = "LogLevel"
    defs["Service"] = object_def(svc)
    defs["Pipeline"] = lists_of(inputs="Input", filters="Filter", outputs="Output")
    p_keys, formats, ml_keys, ml_types = parser_keys(source)
    parser = {k: "Scalar" for k in p_keys}
    for k in ("decode_field", "decode_field_as"):
        parser[k] = "Many"
    for k in ("time_keep", "time_strict", "time_system_timezone", "skip_empty_values", "logfmt_no_bare_keys"):
        if k in parser:
            parser[k] = "Bool"
    pd = object_def(parser, extra={"format": {"enum": formats}})
    pd["required"] = ["name", "format"]
    defs["Parser"] = pd
    ml = {k: "Scalar" for k in ml_keys}
    ml["negate"] = "Bool"
    ml["flush_timeout"] = "Int"
    rule = {
        "type": "object",
        "required": ["state", "regex", "next_state"],
        "additionalProperties": False,
        "properties": {"state": {"type": "string"}, "regex": {"type": "string"}, "next_state": {"type": "string"}},
    }
    md = object_def(ml, extra={"type": {"enum": ml_types}, "rules": {"type": "array", "items": rule}})
    md["required"] = ["name", "type"]
    defs["MultilineParser"] = md
    defs["FluentBitConfig"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "env": {"type": "object", "additionalProperties": {"$ref": "#/$defs/Scalar"}},
            "includes": {"type": "array", "items": {"type": "string"}},
            "service": {"$ref": "#/$defs/Service"},
            "pipeline": {"$ref": "#/$defs/Pipeline"},
            "parsers": {"type": "array", "items": {"$ref": "#/$defs/Parser"}},
            "multiline_parsers": {"type": "array", "items": {"$ref": "#/$defs/MultilineParser"}},
            "plugins": {"type": "array", "items": {"type": "string"}},
            "customs": {"type": "array", "items": {"$ref": "#/$defs/Custom"}},
            "extensions": {"type": "object"},
            "upstream_servers": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "nodes"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string"},
                        "nodes": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["name", "host", "port"],
                                "additionalProperties": {"$ref": "#/$defs/Scalar"},
                            },
                        },
                    },
                },
            },
            "stream_processor": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "exec"],
                    "additionalProperties": False,
                    "properties": {"name": {"type": "string"}, "exec": {"type": "string"}},
                },
            },
        },
    }
    counts = {k: len(v) for k, v in found.items()}
    return {"kinds": {"config/fluent-bit": "FluentBitConfig"}, "$defs": defs}, counts


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parent.parent / "schemas/config/fluent-bit.json"
    bundle, counts = build(root)
    # One definition per line, so a regeneration's diff reads per plugin.
    lines = [f" {json.dumps(k)}:{json.dumps(v, separators=(',', ':'), sort_keys=True)}" for k, v in sorted(bundle["$defs"].items())]
    text = '{"kinds":' + json.dumps(bundle["kinds"]) + ',\n "$defs":{\n' + ",\n".join(lines) + "\n }}\n"
    json.loads(text)
    out.write_text(text)
    print(", ".join(f"{n} {k} plugins" for k, n in counts.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
