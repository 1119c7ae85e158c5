# A PostgreSQL cluster of its own for the scripts (sourced by dev-stack.sh --postgres and bench.sh --store
# postgres): Debian's postgresql server binaries (/usr/lib/postgresql/N/bin, or LUCID_PG_BIN_DIR), initdb into a
# directory, one server on 127.0.0.1:PORT with its Unix socket inside that directory, trust authentication (local
# use only), fsync and synchronous commit on (the ledger's durability is what is measured), small shared buffers,
# 200 connections. initdb refuses to run as root, so as root the server runs as the postgres user on a directory
# handed to it.
#
#   pg_cluster_start DIR PORT [DATABASE…]   initdb DIR/data unless it exists, start, create the databases (if missing)
#   pg_cluster_psql PORT DATABASE SQL       psql -At against it
#   pg_cluster_stop DIR [fast|immediate]    stop it (fast: a clean shutdown; immediate: at once)
#   pg_cluster_url PORT DATABASE            postgres://postgres@127.0.0.1:PORT/DATABASE

PG_BIN="${LUCID_PG_BIN_DIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"

pg_as_server() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_cluster_url() { echo "postgres://postgres@127.0.0.1:$1/$2"; }

pg_cluster_psql() {
  PGCONNECT_TIMEOUT=10 psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d "$2" -c "$3"
}

pg_cluster_start() {
  local dir=$1 port=$2
  shift 2
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "PostgreSQL server binaries not found (apt-get install -y postgresql, or set LUCID_PG_BIN_DIR)" >&2
    return 1
  fi
  mkdir -p "$dir/run"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "running as root and there is no postgres user for initdb" >&2; return 1; }
    chown postgres:postgres "$dir" "$dir/run"
    if ! runuser -u postgres -- test -x "$dir"; then
      echo "the postgres user cannot reach $dir (a parent directory is closed to it)" >&2
      return 1
    fi
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_as_server "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  # postgresql.auto.conf is read last: these settings win, and a new port simply replaces the old one.
  cat >"$dir/data/postgresql.auto.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
fsync = on
synchronous_commit = on
full_page_writes = on
shared_buffers = 32MB
max_connections = 200
timezone = 'UTC'
log_min_messages = warning
CONF
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir/data/postgresql.auto.conf"; fi
  if ! pg_as_server "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
    echo "PostgreSQL did not start; $dir/server.log:" >&2
    tail -20 "$dir/server.log" >&2
    return 1
  fi
  local db
  for db in "$@"; do
    if [ -z "$(pg_cluster_psql "$port" postgres "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      pg_cluster_psql "$port" postgres "CREATE DATABASE \"$db\"" >/dev/null
    fi
  done
}

pg_cluster_stop() {
  local dir=$1 mode=${2:-fast}
  [ -f "$dir/data/postmaster.pid" ] || return 0
  pg_as_server "$PG_BIN/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >/dev/null 2>&1 || true
}
