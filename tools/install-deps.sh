#!/bin/sh
# tools/install-deps.sh -- installs what building and testing ShaleDB needs on Debian 12 /
# Ubuntu 22.04+ (apt). Product libraries: lz4, mbedTLS, pcre2. Tests only: libpq, the
# PostgreSQL 15 client. Benchmark baseline: LevelDB. Safe to run again.
set -e
PKGS="build-essential autoconf automake libtool pkg-config \
      liblz4-dev libmbedtls-dev libpcre2-dev \
      libpq-dev libleveldb-dev libsnappy-dev \
      postgresql-client tmux"
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
