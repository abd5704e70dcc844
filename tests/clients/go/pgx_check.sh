#!/bin/sh
# tests/clients/go/pgx_check.sh -- make check: pgx v4 (Debian golang-github-jackc-pgx-v4-dev)
# against a fresh ShaleDB (pgx_test_main.go). Built offline in GOPATH mode from the Debian
# packaged sources in /usr/share/gocode (no module downloads); the binary and the Go build
# cache live in the build tree. Skips when go or the pgx sources are missing.
# SHALE_TEST_SERVER=postgres runs it against PostgreSQL 15.
top=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top/tests/clients/client_lib.sh"
client_init pgx
command -v go >/dev/null 2>&1 || client_skip "no go (apt-get install golang-go)"
gopath=${SHALE_GOPATH:-/usr/share/gocode}
[ -d "$gopath/src/github.com/jackc/pgx/v4" ] ||
  client_skip "no pgx v4 sources in $gopath (apt-get install golang-github-jackc-pgx-v4-dev)"
out=$builddir/tests/clients/go
mkdir -p "$out" || exit 2
if ! GO111MODULE=off GOPATH=$gopath GOFLAGS= GOCACHE=$out/gocache GOPROXY=off \
     go build -o "$out/pgx_test" "$top/tests/clients/go/pgx_test_main.go"; then
  echo "FAIL pgx: pgx_test_main.go does not build"
  exit 1
fi
client_start
client_run "$out/pgx_test"
