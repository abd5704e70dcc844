# src/storage/storage.mk -- the LSM core: internal keys, iterators, memtable, versions,
# compaction, the DB. (SSTable files are in sst.mk, the record log and batches in log.mk.)
libshale_a_SOURCES += \
	src/storage/shale_storage.h \
	src/storage/counters.h \
	src/storage/dbformat.h \
	src/storage/filename.h src/storage/filename.c \
	src/storage/iterator.h src/storage/iterator.c
