# src/facets/embed/embed.mk -- the embedding facet's embedders (hash, openai over HTTP/TLS,
# command), their unit tests and the fake OpenAI-compatible server used by tests.
libshale_a_SOURCES += src/facets/embed/embedder.h src/facets/embed/embed_int.h \
	src/facets/embed/embedder.c src/facets/embed/embed_hash.c \
	src/facets/embed/embed_http.h src/facets/embed/embed_http.c src/facets/embed/embed_openai.c \
	src/facets/embed/embed_json.h src/facets/embed/embed_json.c src/facets/embed/embed_command.c

check_PROGRAMS += tests/embed/embed_hash_test
tests_embed_embed_hash_test_SOURCES = tests/embed/embed_hash_test.c tests/harness/test.h
TESTS += tests/embed/embed_hash_test

# the fake OpenAI-compatible server (also usable by e2e tests: see its header comment)
check_PROGRAMS += tests/embed/fake_embed_server
tests_embed_fake_embed_server_SOURCES = tests/embed/fake_embed_server.c

check_PROGRAMS += tests/embed/embed_openai_test
tests_embed_embed_openai_test_SOURCES = tests/embed/embed_openai_test.c tests/embed/embed_test_util.h \
	tests/harness/test.h
tests_embed_embed_openai_test_DEPENDENCIES = libshale.a tests/embed/fake_embed_server$(EXEEXT)
TESTS += tests/embed/embed_openai_test

dist_doc_DATA += docs/embeddings.md

check_PROGRAMS += tests/embed/embed_http_test
tests_embed_embed_http_test_SOURCES = tests/embed/embed_http_test.c tests/harness/test.h
TESTS += tests/embed/embed_http_test

check_PROGRAMS += tests/embed/fake_embed_command
tests_embed_fake_embed_command_SOURCES = tests/embed/fake_embed_command.c
check_PROGRAMS += tests/embed/embed_command_test
tests_embed_embed_command_test_SOURCES = tests/embed/embed_command_test.c tests/embed/embed_test_util.h \
	tests/harness/test.h
tests_embed_embed_command_test_DEPENDENCIES = libshale.a tests/embed/fake_embed_command$(EXEEXT)
TESTS += tests/embed/embed_command_test
