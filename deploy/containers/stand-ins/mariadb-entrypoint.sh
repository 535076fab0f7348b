#!/bin/bash
# The part of the official mariadb image's contract that docker-compose.yml uses: on an empty data
# directory, initialise it and apply MARIADB_ROOT_PASSWORD (or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD),
# MARIADB_DATABASE, MARIADB_USER and MARIADB_PASSWORD, plus the healthcheck user that healthcheck.sh
# reads; then run mariadbd as mysql on every address.
set -euo pipefail
if [ "${1:0:1}" = - ]; then set -- mariadbd "$@"; fi
if [ "$1" != mariadbd ]; then exec "$@"; fi
shift
datadir=/var/lib/mysql
chown -R mysql:mysql "$datadir" /run/mysqld
if [ ! -d "$datadir/mysql" ]; then
  if [ -z "${MARIADB_ROOT_PASSWORD:-}" ] && [ -z "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-}" ]; then
    echo "error: set MARIADB_ROOT_PASSWORD or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" >&2
    exit 1
  fi
  echo "initialising $datadir"
  mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db >/dev/null
  mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket=/run/mysqld/init.sock &
  pid=$!
  for _ in $(seq 1 60); do mariadb --socket=/run/mysqld/init.sock -uroot -e 'select 1' >/dev/null 2>&1 && break; sleep 0.5; done
  health_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  sql() { printf '%s\n' "$@" | mariadb --socket=/run/mysqld/init.sock -uroot; }
  quote() { printf "'%s'" "${1//\'/\'\'}"; }
  sql "CREATE USER 'healthcheck'@'localhost' IDENTIFIED BY $(quote "$health_password");" \
      "GRANT USAGE ON *.* TO 'healthcheck'@'localhost';"
  printf '[mariadb-client]\nuser=healthcheck\npassword=%s\nsocket=/run/mysqld/mysqld.sock\n' "$health_password" \
    >"$datadir/.my-healthcheck.cnf"
  chown mysql:mysql "$datadir/.my-healthcheck.cnf"
  chmod 600 "$datadir/.my-healthcheck.cnf"
  if [ -n "${MARIADB_DATABASE:-}" ]; then
    sql "CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE//\`/}\`;"
  fi
  if [ -n "${MARIADB_USER:-}" ]; then
    sql "CREATE USER $(quote "$MARIADB_USER")@'%' IDENTIFIED BY $(quote "${MARIADB_PASSWORD:-}");"
    if [ -n "${MARIADB_DATABASE:-}" ]; then
      sql "GRANT ALL ON \`${MARIADB_DATABASE//\`/}\`.* TO $(quote "$MARIADB_USER")@'%';"
    fi
  fi
  # Last: once root has a password, this client, which has none, is locked out.
  if [ -n "${MARIADB_ROOT_PASSWORD:-}" ]; then
    sql "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY $(quote "$MARIADB_ROOT_PASSWORD");" \
        "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;" \
        "ALTER USER 'root'@'localhost' IDENTIFIED BY $(quote "$MARIADB_ROOT_PASSWORD");"
  else
    sql "CREATE USER IF NOT EXISTS 'root'@'%';" "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
  fi
  kill "$pid"
  wait "$pid" || true
  echo "initialised"
fi
exec mariadbd --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 --socket=/run/mysqld/mysqld.sock "$@"
