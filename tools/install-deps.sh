#!/bin/sh
# tools/install-deps.sh -- installs what building and testing ShaleDB needs on Debian 12 /
# Ubuntu 22.04+ (apt). Product libraries: lz4, mbedTLS, pcre2. Tests only: libpq, the
# PostgreSQL 15 client, the PostgreSQL drivers of tests/clients/. Benchmark baseline: LevelDB.
# Safe to run again.
set -e
PKGS="build-essential autoconf automake libtool pkg-config \
      liblz4-dev libmbedtls-dev libpcre2-dev \
      libpq-dev libleveldb-dev libsnappy-dev \
      postgresql-client openssl tmux"
# The standard drivers the client tests (tests/clients/) run against the server: psycopg2,
# psycopg 3, SQLAlchemy, pgjdbc + a JDK, pgx v4 + Go, Node.js + npm (node-postgres itself comes
# from npm, pinned by tests/clients/node/package-lock.json, installed by the test into the
# build tree). Without them those tests skip.
PKGS="$PKGS python3 python3-psycopg2 python3-psycopg python3-sqlalchemy \
      libpostgresql-jdbc-java default-jdk-headless golang-go golang-github-jackc-pgx-v4-dev"
# Node.js: keep an existing installation (e.g. from NodeSource, whose nodejs bundles npm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PKGS="$PKGS nodejs npm"
fi
# PostgreSQL 15 itself (the oracle for differential tests and the pgbench baseline) where the
# distribution ships it (Debian 12); elsewhere the tests that need it skip.
if apt-cache show postgresql-15 >/dev/null 2>&1; then
  PKGS="$PKGS postgresql-15"
fi
missing=""
for p in $PKGS; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "install-deps: everything is installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
echo "install-deps: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
