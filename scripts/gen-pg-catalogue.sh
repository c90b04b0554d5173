#!/bin/sh
# Writes the catalogue of a real PostgreSQL server that dify-gen checks
# topologies against (src/postgres/catalogue/<major>/):
#   settings.tsv  every parameter of pg_settings, sorted by name: type,
#                 context, unit, range, enum values and built-in default
#   keywords.tsv  the SQL key words (pg_get_keywords) and their category
# Usage: scripts/gen-pg-catalogue.sh BIN_DIR OUT_DIR
#   e.g. scripts/gen-pg-catalogue.sh /usr/lib/postgresql/15/bin src/postgres/catalogue/15
#
# BIN_DIR holds the server's initdb, pg_ctl and postgres. The server is
# initialised with defaults in a temporary directory, listens on a Unix
# socket there and on no TCP port, and is stopped and removed on exit. As
# root it runs as the `postgres` user (PostgreSQL refuses root). psql comes
# from PATH; any version from 10 on reads these views.
set -eu

bin="${1:?usage: gen-pg-catalogue.sh BIN_DIR OUT_DIR}"
out="${2:?usage: gen-pg-catalogue.sh BIN_DIR OUT_DIR}"
for program in initdb pg_ctl postgres; do
    [ -x "$bin/$program" ] || { echo "gen-pg-catalogue: no $bin/$program" >&2; exit 2; }
done
command -v psql >/dev/null || { echo "gen-pg-catalogue: psql is missing (postgresql-client)" >&2; exit 2; }
mkdir -p "$out"

tmp=$(mktemp -d)
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
cleanup() {
    as_owner "$bin/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
if [ "$(id -u)" = 0 ]; then
    chown postgres "$tmp"
fi

as_owner "$bin/initdb" -D "$tmp/data" -U postgres -A trust --no-locale -E UTF8 --no-sync --no-instructions \
    >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
as_owner "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
    -o "-c listen_addresses= -k $tmp" start >/dev/null \
    || { cat "$tmp/server.log" >&2; exit 1; }

query() {
    as_owner psql --no-psqlrc -X -q -A -t -F "$(printf '\t')" -h "$tmp" -U postgres -d postgres -c "$1"
}
{
    printf 'name\tvartype\tcontext\tunit\tmin_val\tmax_val\tenumvals\tboot_val\n'
    query "SELECT name, vartype, context, coalesce(unit, ''), coalesce(min_val, ''),
                  coalesce(max_val, ''), coalesce(array_to_string(enumvals, ','), ''),
                  coalesce(boot_val, '')
           FROM pg_catalog.pg_settings ORDER BY name COLLATE \"C\""
} > "$tmp/settings.tsv"
{
    printf 'word\tcatcode\n'
    query "SELECT word, catcode FROM pg_catalog.pg_get_keywords() ORDER BY word COLLATE \"C\""
} > "$tmp/keywords.tsv"
mv "$tmp/settings.tsv" "$out/settings.tsv"
mv "$tmp/keywords.tsv" "$out/keywords.tsv"
