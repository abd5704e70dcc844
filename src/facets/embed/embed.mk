# src/facets/embed/embed.mk -- the embedding facet's embedders (hash, openai over HTTP/TLS,
# command), their unit tests and the fake OpenAI-compatible server used by tests.
libshale_a_SOURCES += src/facets/embed/embedder.h src/facets/embed/embed_int.h \
	src/facets/embed/embedder.c src/facets/embed/embed_hash.c \
	src/facets/embed/embed_http.c src/facets/embed/embed_command.c

check_PROGRAMS += tests/embed/embed_hash_test
tests_embed_embed_hash_test_SOURCES = tests/embed/embed_hash_test.c tests/harness/test.h
TESTS += tests/embed/embed_hash_test

dist_doc_DATA += docs/embeddings.md
