#!/bin/sh
# tests/clients/java/jdbc_check.sh -- make check: pgjdbc (Debian libpostgresql-jdbc-java) against
# a fresh ShaleDB (JdbcTest.java, compiled with javac into the build tree and run with the
# driver jar from /usr/share/java). Skips when the JDK or the driver is not installed.
# SHALE_PGJDBC_JAR=path picks another driver jar; SHALE_TEST_SERVER=postgres runs it against
# PostgreSQL 15.
top=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top/tests/clients/client_lib.sh"
client_init pgjdbc
command -v javac >/dev/null 2>&1 || client_skip "no javac (apt-get install default-jdk-headless)"
command -v java >/dev/null 2>&1 || client_skip "no java (apt-get install default-jdk-headless)"
jar=${SHALE_PGJDBC_JAR:-/usr/share/java/postgresql.jar}
[ -f "$jar" ] || client_skip "no pgjdbc jar at $jar (apt-get install libpostgresql-jdbc-java)"
classes=$builddir/tests/clients/java/classes
mkdir -p "$classes" || exit 2
if ! javac -nowarn -cp "$jar" -d "$classes" "$top/tests/clients/java/JdbcTest.java"; then
  echo "FAIL pgjdbc: JdbcTest.java does not compile"
  exit 1
fi
client_start
client_run java -cp "$jar:$classes" JdbcTest
