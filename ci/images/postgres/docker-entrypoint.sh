#!/usr/bin/env bash
# Entrypoint compatible with the official postgres image's documented behaviour:
#  * first run: initdb (POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_INITDB_ARGS), then a temporary
#    server on the unix socket only (it logs "database system is ready to accept connections"),
#    creates POSTGRES_DB, runs /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz, stops it,
#  * then exec's the real server, which logs the ready line a second time.
set -Eeo pipefail

log() { echo "$(date -u '+%Y-%m-%d %H:%M:%S.%3N UTC') [entrypoint] $*"; }
die() { echo "error: $*" >&2; exit 1; }

# VAR or VAR_FILE (docker secrets convention)
file_env() {
  local var="$1" fileVar="${1}_FILE" def="${2:-}"
  if [[ -n "${!var:-}" && -n "${!fileVar:-}" ]]; then die "both $var and $fileVar are set (but are exclusive)"; fi
  local val="$def"
  if [[ -n "${!var:-}" ]]; then val="${!var}"; elif [[ -n "${!fileVar:-}" ]]; then val="$(<"${!fileVar}")"; fi
  export "$var"="$val"; unset "$fileVar"
}

# "docker run postgres:17 -c fsync=off" style: options only → prepend postgres
if [[ "${1:0:1}" == '-' ]]; then set -- postgres "$@"; fi

wants_help() {
  local a; for a in "$@"; do case "$a" in -'?'|--help|--describe-config|-V|--version) return 0;; esac; done; return 1
}

setup_env() {
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=}"
  DATABASE_ALREADY_EXISTS=
  if [[ -s "$PGDATA/PG_VERSION" ]]; then DATABASE_ALREADY_EXISTS=true; fi
}

create_db_directories() {
  mkdir -p "$PGDATA" || true
  chmod 00700 "$PGDATA" 2>/dev/null || true
  mkdir -p /var/run/postgresql || true
  chmod 03775 /var/run/postgresql 2>/dev/null || true
  if [[ -n "${POSTGRES_INITDB_WALDIR:-}" ]]; then mkdir -p "$POSTGRES_INITDB_WALDIR"; chmod 700 "$POSTGRES_INITDB_WALDIR" 2>/dev/null || true; fi
  if [[ "$(id -u)" == 0 ]]; then
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    find /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
    if [[ -n "${POSTGRES_INITDB_WALDIR:-}" ]]; then chown -R postgres:postgres "$POSTGRES_INITDB_WALDIR"; fi
  fi
}

verify_minimum_env() {
  if [[ -z "$POSTGRES_PASSWORD" && "$POSTGRES_HOST_AUTH_METHOD" != trust ]]; then
    cat >&2 <<'MSG'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.
MSG
    exit 1
  fi
}

init_database_dir() {
  local pwfile
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  local waldir=()
  if [[ -n "${POSTGRES_INITDB_WALDIR:-}" ]]; then waldir=(--waldir "$POSTGRES_INITDB_WALDIR"); fi
  # shellcheck disable=SC2086
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" "${waldir[@]}" $POSTGRES_INITDB_ARGS
  rm -f "$pwfile"
}

setup_hba_conf() {
  local method="${POSTGRES_HOST_AUTH_METHOD:-}"
  if [[ -z "$method" ]]; then
    method="$(postgres -C password_encryption -D "$PGDATA" 2>/dev/null || echo scram-sha-256)"
  fi
  { echo; echo "# added by docker-entrypoint.sh"; echo "host all all all $method"; } >> "$PGDATA/pg_hba.conf"
}

temp_server_start() {
  # Only the unix socket: nothing from outside can connect before init has finished.
  PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
}
temp_server_stop() { PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -m fast -w stop; }

psql_cmd() { PGPASSWORD="$POSTGRES_PASSWORD" psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"; }

setup_db() {
  if [[ "$POSTGRES_DB" != postgres ]]; then
    local exists
    exists="$(psql_cmd --dbname postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '${POSTGRES_DB//\'/\'\'}'")"
    if [[ -z "$exists" ]]; then
      psql_cmd --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db" ;'
      echo
    fi
  fi
}

process_init_files() {
  local f
  echo
  for f in "$@"; do
    case "$f" in
      *.sh)
        if [[ -x "$f" ]]; then log "running $f"; "$f"; else log "sourcing $f"; . "$f"; fi ;;
      *.sql) log "running $f"; psql_cmd --dbname "$POSTGRES_DB" -f "$f"; echo ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | psql_cmd --dbname "$POSTGRES_DB"; echo ;;
      *) log "ignoring $f" ;;
    esac
    echo
  done
}

main() {
  if [[ "$1" == postgres ]] && ! wants_help "$@"; then
    setup_env
    create_db_directories
    if [[ "$(id -u)" == 0 ]]; then
      # re-exec this script as the postgres user
      exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
    fi
    if [[ -z "$DATABASE_ALREADY_EXISTS" ]]; then
      verify_minimum_env
      init_database_dir
      setup_hba_conf
      export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
      temp_server_start
      setup_db
      shopt -s nullglob
      process_init_files /docker-entrypoint-initdb.d/*
      shopt -u nullglob
      temp_server_stop
      unset PGPASSWORD
      echo
      echo 'PostgreSQL init process complete; ready for start up.'
      echo
    else
      echo
      echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
      echo
    fi
  fi
  exec "$@"
}

main "$@"
