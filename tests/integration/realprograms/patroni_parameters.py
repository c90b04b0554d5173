"""What Patroni does with the PostgreSQL parameters of rendered patroni.yml
files, through Patroni's own code (run with the Patroni venv's python).

Usage: patroni_parameters.py VERSION_NUM GUCS_FILE CONFIG...
  VERSION_NUM  the server's version as Patroni counts it (170006)
  GUCS_FILE    parameter names of that server, one a line (what Patroni
               reads from `postgres --describe-config`)
Prints one JSON object per CONFIG, in order:
  {"changed": [[name, what Patroni did], ...],
   "conf": the `name = 'value'` lines Patroni writes into postgresql.conf}
A parameter is changed when Patroni drops it, or replaces or clamps its
value, instead of passing it on as written.
"""
import json
import sys

import yaml
from patroni.config import Config
from patroni.postgresql.config import ConfigWriter
from patroni.postgresql.validator import transform_postgresql_parameter_value
from patroni.collections import CaseInsensitiveSet


def main():
    version = int(sys.argv[1])
    with open(sys.argv[2]) as f:
        gucs = CaseInsensitiveSet(line.strip() for line in f if line.strip())
    for path in sys.argv[3:]:
        with open(path) as f:
            config = yaml.safe_load(f)
        written = (((config.get("bootstrap") or {}).get("dcs") or {}).get("postgresql") or {}).get("parameters") or {}
        changed = []
        # Dynamic configuration: parameters Patroni manages are checked and
        # replaced by its defaults when they fail (patroni/config.py).
        kept = Config._process_postgresql_parameters(dict(written))
        kept_lower = {k.lower(): k for k in kept}
        for name in written:
            if name.lower() not in kept_lower:
                changed.append([name, "replaced by Patroni's default or its own value"])
        lines = []
        for name, value in kept.items():
            result = transform_postgresql_parameter_value(version, name, value, gucs)
            if result is None:
                changed.append([name, "dropped"])
                continue
            if result is not value:
                changed.append([name, "changed to %r" % (result,)])
            lines.append("%s = '%s'" % (name, ConfigWriter.escape(result)))
        print(json.dumps({"changed": changed, "conf": "\n".join(lines) + "\n"}))


main()
