#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: `source .ci/postgres.sh; pg_up; …; pg_down`.
# pg_up initialises a cluster as the postgres user in a temporary directory, starts it on
# 127.0.0.1 on a free port (its socket in that directory too) and exports WEBTUNE_PG_URL and
# WEBTUNE_PG_DATA; pg_down stops it and removes the directory. fsync is off (a throw-away cluster:
# tests need no durability); WEBTUNE_PG_FSYNC=on keeps it, for benchmarks.
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"

pg_up() {
  local dir port
  dir="$(mktemp -d /tmp/webtune-pg.XXXXXX)"
  chown postgres:postgres "$dir"
  chmod 700 "$dir"
  port="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=${WEBTUNE_PG_FSYNC:-off}" -w start >/dev/null
  export WEBTUNE_PG_DATA="$dir/data" WEBTUNE_PG_DIR="$dir" WEBTUNE_PG_BIN="$PG_BIN"
  export WEBTUNE_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "postgres: a throw-away cluster at $WEBTUNE_PG_URL (data in $dir)"
}

pg_down() {
  [ -n "${WEBTUNE_PG_DIR:-}" ] || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WEBTUNE_PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$WEBTUNE_PG_DIR"
  unset WEBTUNE_PG_URL WEBTUNE_PG_DATA WEBTUNE_PG_DIR
}
