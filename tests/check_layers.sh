#!/bin/sh
# tests/check_layers.sh -- fails when an #include points up the layer order
# util <- storage <- catalog <- facets <- sql <- protocol <- server/tools (docs/architecture.md).
top=${top_srcdir:-$(dirname "$0")/..}
cd "$top" || exit 2
rank() {
  case "$1" in
    util) echo 0;; storage) echo 1;; catalog) echo 2;; facets) echo 3;;
    sql) echo 4;; protocol) echo 5;; server|tools) echo 6;; *) echo -1;;
  esac
}
layer_of_file() {
  case "$1" in
    src/util/*) echo util;; src/storage/*) echo storage;; src/catalog/*) echo catalog;;
    src/facets/*) echo facets;; sql/*) echo sql;; protocol/*) echo protocol;;
    src/server/*) echo server;; tools/*) echo tools;; *) echo "";;
  esac
}
bad=0; checked=0
for f in $(find src sql protocol tools -name '*.[ch]' 2>/dev/null); do
  from=$(layer_of_file "$f"); [ -n "$from" ] || continue
  fr=$(rank "$from")
  for inc in $(sed -n 's/^#include "\([a-z_]*\)\/.*"/\1/p' "$f"); do
    to=$inc
    [ "$to" = facets ] && to=facets
    tr=$(rank "$to"); [ "$tr" -ge 0 ] || continue
    checked=$((checked + 1))
    if [ "$tr" -gt "$fr" ]; then
      echo "FAIL layering: $f ($from) includes $inc/... (a higher layer)"
      bad=$((bad + 1))
    fi
  done
done
if [ "$bad" -eq 0 ]; then
  echo "PASS check_layers.includes ($checked includes checked)"
  echo "check_layers: 1 passed, 0 failed"
  exit 0
fi
echo "check_layers: 0 passed, 1 failed"
exit 1
