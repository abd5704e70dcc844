# docs/docs.mk -- documentation shipped in the tarball and installed under docdir.
dist_doc_DATA += docs/architecture.md docs/file-formats.md docs/benchmarks.md
dist_doc_DATA += docs/data-model.md docs/sql-grammar.md docs/sql-types.md
