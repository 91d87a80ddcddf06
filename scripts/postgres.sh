# Sourced by ./test: makes a PostgreSQL server available on 127.0.0.1 with a
# role `halfpenny` (password `halfpenny`, CREATEDB) and exports
# HALFPENNY_TEST_POSTGRES for the bank server's tests.
#
# Installs Debian's `postgresql` package if it is missing, creates and starts
# the cluster if needed, lets the role in with a password from 127.0.0.1, and
# creates the role. Idempotent: when the role can already log in, it only
# drops the idle databases earlier test runs left behind, and exports.
#
# Safe to source from a `set -euo pipefail` script: every failure is reported
# and returned as a non-zero status.

halfpenny_pg() {
  local user=halfpenny password=halfpenny host=127.0.0.1 port=5432
  local sudo=() version cluster status line

  _hp_say() { printf 'postgres: %s\n' "$*" >&2; }
  # As the postgres OS user (peer authentication over the Unix socket).
  _hp_as_postgres() { (cd / && "${sudo[@]}" runuser -u postgres -- "$@"); }
  # As the test role, over TCP with its password, as the tests connect.
  _hp_as_role() { PGPASSWORD=$password PGCONNECT_TIMEOUT=5 psql -h "$host" -p "$port" -U "$user" -d postgres -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
  _hp_role_ready() { [ "$(_hp_as_role -c 'SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user' 2>/dev/null)" = t ]; }

  # Waits up to 30 s for the server: on its Unix socket, or over TCP on the host given.
  _hp_wait() {
    local i
    for i in $(seq 1 60); do
      pg_isready -q ${1:+-h "$1"} -p "$port" && return 0
      sleep 0.5
    done
    _hp_say "the server (${1:-Unix socket}, port $port) is not ready after 30 s"
    return 1
  }

  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { _hp_say "not root and no sudo: cannot set PostgreSQL up"; return 1; }
    sudo=(sudo)
  fi

  # Already set up (a second run, or a server someone else started): done.
  if command -v psql >/dev/null 2>&1 && _hp_role_ready; then
    halfpenny_pg_export
    return 0
  fi

  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
    _hp_say "installing Debian's postgresql package"
    "${sudo[@]}" apt-get update -qq || { _hp_say "apt-get update failed"; return 1; }
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
      || { _hp_say "apt-get install postgresql failed"; return 1; }
  fi

  # The cluster on our port, else the first one, else a new one of the newest version.
  line=$(pg_lsclusters --no-header 2>/dev/null | awk -v p="$port" '$3 == p { print; exit }')
  [ -n "$line" ] || line=$(pg_lsclusters --no-header 2>/dev/null | head -n 1)
  if [ -z "$line" ]; then
    version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
    [ -n "$version" ] || { _hp_say "no PostgreSQL server version found in /usr/lib/postgresql"; return 1; }
    _hp_say "creating cluster $version/main"
    "${sudo[@]}" pg_createcluster --port "$port" "$version" main >/dev/null || { _hp_say "pg_createcluster failed"; return 1; }
    line=$(pg_lsclusters --no-header | awk -v v="$version" '$1 == v && $2 == "main" { print; exit }')
  fi
  read -r version cluster port status _ <<<"$line"

  # Password logins from 127.0.0.1. Debian's default pg_hba.conf already has
  # `host all all 127.0.0.1/32 scram-sha-256`; add our own line first if not.
  local hba=/etc/postgresql/$version/$cluster/pg_hba.conf
  if [ -f "$hba" ] && ! "${sudo[@]}" grep -Eq "^[[:space:]]*host[[:space:]]+all[[:space:]]+(all|$user)[[:space:]]+127\.0\.0\.1/32[[:space:]]+(scram-sha-256|md5)" "$hba"; then
    _hp_say "allowing password logins for $user from 127.0.0.1 in $hba"
    "${sudo[@]}" sed -i "1i host all $user 127.0.0.1/32 scram-sha-256" "$hba"
    [ "$status" = online ] && { "${sudo[@]}" pg_ctlcluster "$version" "$cluster" reload || return 1; }
  fi

  if [ "$status" != online ]; then
    _hp_say "starting cluster $version/$cluster on port $port"
    "${sudo[@]}" pg_ctlcluster "$version" "$cluster" start || { _hp_say "pg_ctlcluster $version $cluster start failed"; return 1; }
  fi
  _hp_wait "" || return 1

  # Listening on 127.0.0.1 (Debian's default, `localhost`, does).
  local listen
  listen=$(_hp_as_postgres psql -p "$port" -d postgres -X -A -t -c 'SHOW listen_addresses') || { _hp_say "cannot reach the server as postgres"; return 1; }
  if ! grep -Eq "(^|[ ,])(localhost|127\.0\.0\.1|\*|0\.0\.0\.0)([ ,]|$)" <<<"$listen"; then
    _hp_say "listening on 127.0.0.1 too (listen_addresses was '$listen')"
    _hp_as_postgres psql -p "$port" -X -q -v ON_ERROR_STOP=1 -c "ALTER SYSTEM SET listen_addresses = '${listen:+$listen,}127.0.0.1'" || return 1
    "${sudo[@]}" pg_ctlcluster "$version" "$cluster" restart || return 1
  fi
  _hp_wait "$host" || return 1

  _hp_as_postgres psql -p "$port" -X -q -v ON_ERROR_STOP=1 -d postgres <<SQL || { _hp_say "could not create the role $user"; return 1; }
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
    CREATE ROLE $user LOGIN CREATEDB PASSWORD '$password';
  ELSE
    ALTER ROLE $user LOGIN CREATEDB PASSWORD '$password';
  END IF;
END
\$\$;
SQL
  _hp_role_ready || { _hp_say "$user cannot log in on $host:$port with its password"; return 1; }
  halfpenny_pg_export "$port"
}

# Drops the databases earlier test runs left (`hp_…`, owned by the role) that
# nobody is connected to: DROP DATABASE refuses one in use. Each drop waits
# for a checkpoint, so eight run at once and share them. Then exports.
halfpenny_pg_export() {
  local port=${1:-5432}
  PGPASSWORD=halfpenny psql -h 127.0.0.1 -p "$port" -U halfpenny -d postgres -X -q -A -t \
    -c "SELECT datname FROM pg_database WHERE datname LIKE 'hp\_%' AND datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user)" 2>/dev/null \
    | xargs -r -P 8 -I '{}' env PGPASSWORD=halfpenny psql -h 127.0.0.1 -p "$port" -U halfpenny -d postgres -X -q \
      -c 'DROP DATABASE IF EXISTS "{}"' >/dev/null 2>&1 || true
  export HALFPENNY_TEST_POSTGRES="postgres://halfpenny:halfpenny@127.0.0.1:$port"
}

halfpenny_pg_started=${EPOCHREALTIME//[!0-9]/}
if halfpenny_pg; then
  printf 'postgres: ready in %d ms; HALFPENNY_TEST_POSTGRES=%s\n' "$(((${EPOCHREALTIME//[!0-9]/} - halfpenny_pg_started) / 1000))" "$HALFPENNY_TEST_POSTGRES"
  unset -f halfpenny_pg halfpenny_pg_export _hp_say _hp_as_postgres _hp_as_role _hp_role_ready _hp_wait
  unset halfpenny_pg_started
else
  unset -f halfpenny_pg halfpenny_pg_export _hp_say _hp_as_postgres _hp_as_role _hp_role_ready _hp_wait
  unset halfpenny_pg_started
  false
fi
