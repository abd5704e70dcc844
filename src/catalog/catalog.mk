# src/catalog/catalog.mk -- the catalog layer: SQL values and type table, SQLSTATEs, and
# (catalog_*.c, keycodec, rowcodec) the data model on the LSM.
libshale_a_SOURCES += \
	src/catalog/pg_types.def src/catalog/value.h src/catalog/value.c \
	src/catalog/errcodes.def src/catalog/sqlerror.h src/catalog/sqlerror.c
