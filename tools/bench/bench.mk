# tools/bench/bench.mk -- (filled in by its module's owner)
