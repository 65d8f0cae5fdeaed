#!/usr/bin/env bash
# Make sure the PostgreSQL tests can run: either TEST_DATABASE_URL points at a
# server (superuser URL), or the server binaries (initdb, pg_ctl) are available
# so packages/sql-pg/test/globalSetup.ts can start a throwaway cluster.
# Installs the Debian packages when running as root with apt-get; otherwise
# fails with an explanation.
set -euo pipefail

pg_bindir() {
  # Newest /usr/lib/postgresql/<version>/bin containing initdb, if any.
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; fi
}

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  echo "ensure-postgres: TEST_DATABASE_URL is set; using that server"
  exit 0
fi
if command -v initdb >/dev/null 2>&1; then
  echo "ensure-postgres: initdb found on PATH at $(command -v initdb)"
  exit 0
fi
bindir=$(pg_bindir)
if [[ -n "$bindir" ]]; then
  echo "ensure-postgres: PostgreSQL server binaries found in $bindir"
  exit 0
fi

if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Package scripts may fail to start the service (no systemd in containers);
  # the tests start their own cluster, so only the binaries matter.
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null ||
    echo "ensure-postgres: apt-get install postgresql reported an error; checking binaries anyway" >&2
  bindir=$(pg_bindir)
  if [[ -z "$bindir" ]]; then
    echo "ensure-postgres: installed 'postgresql' but found no /usr/lib/postgresql/*/bin/initdb" >&2
    exit 1
  fi
  # btree_gist and pgcrypto ship with the server package since PostgreSQL 10 (Debian 12:
  # postgresql-15); only older layouts need the separate contrib package.
  contrib_ok() { ls /usr/share/postgresql/*/extension/btree_gist.control /usr/share/postgresql/*/extension/pgcrypto.control >/dev/null 2>&1; }
  if ! contrib_ok; then
    apt-get install -y -qq --no-install-recommends postgresql-contrib >/dev/null ||
      echo "ensure-postgres: apt-get install postgresql-contrib reported an error" >&2
    if ! contrib_ok; then
      echo "ensure-postgres: the btree_gist or pgcrypto extension is missing after installing postgresql-contrib" >&2
      exit 1
    fi
  fi
  echo "ensure-postgres: installed PostgreSQL via apt-get; server binaries in $bindir"
  exit 0
fi

cat >&2 <<'EOF'
ensure-postgres: no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin,
and cannot install them (needs root and apt-get). Either install PostgreSQL (with the btree_gist
and pgcrypto extensions, e.g. Debian/Ubuntu: apt-get install postgresql) or set TEST_DATABASE_URL to a superuser
URL such as postgres://postgres:secret@127.0.0.1:5432/postgres.
EOF
exit 1
