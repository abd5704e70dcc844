#!/bin/sh
# tools/install-deps.sh -- installs what building and testing ShaleDB needs on Debian 12 /
# Ubuntu 22.04+ (apt). Product libraries: lz4, mbedTLS, pcre2. Tests only: libpq, the
# PostgreSQL 15 client. Benchmark baseline: LevelDB. Safe to run again.
set -e
PKGS="build-essential autoconf automake libtool pkg-config \
      liblz4-dev libmbedtls-dev libpcre2-dev \
      libpq-dev libleveldb-dev libsnappy-dev"
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
