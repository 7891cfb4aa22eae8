#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 cluster for tests and prints `export` lines for it.
#   eval "$(scripts/pg-throwaway.sh start DIR)"   # initdb into DIR, start on a free loopback port
#   scripts/pg-throwaway.sh stop DIR              # stop it and delete DIR
#   scripts/pg-throwaway.sh pause DIR             # stop the server, keep the data (chaos tests)
#   scripts/pg-throwaway.sh resume DIR            # start it again on the same port
# The server refuses to run as root, so as root it runs as the `postgres` user via runuser.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
action=${1:?usage: pg-throwaway.sh start|stop|pause|resume DIR}
dir=${2:?usage: pg-throwaway.sh start|stop|pause|resume DIR}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_server() {
  port=$(cat "$dir/port")
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
}

case "$action" in
  start)
    if [ ! -x "$PG_BIN/initdb" ]; then
      echo "PostgreSQL server binaries not found in $PG_BIN; install postgresql-15 or set PG_BIN" >&2
      exit 1
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    start_server
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
    echo "export DFBENCH_PG_DIR=$dir"
    ;;
  pause)
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    start_server
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: pg-throwaway.sh start|stop|pause|resume DIR" >&2
    exit 2
    ;;
esac
