# src/util/util.mk -- the util layer: errors, buffers, arena, coding, crc32c, hashing, env.
libshale_a_SOURCES += \
	src/util/slice.h \
	src/util/status.h src/util/status.c \
	src/util/buf.h src/util/buf.c \
	src/util/arena.h src/util/arena.c \
	src/util/coding.h src/util/coding.c \
	src/util/crc32c.h src/util/crc32c.c \
	src/util/hash.h src/util/hash.c \
	src/util/env.h src/util/env_posix.c \
	src/util/blocking.h src/util/blocking.c
