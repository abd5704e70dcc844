# src/storage/storage.mk -- the LSM core: internal keys, iterators, memtable, versions,
# compaction, the DB. (SSTable files are in sst.mk, the record log and batches in log.mk.)
libshale_a_SOURCES += \
	src/storage/shale_storage.h \
	src/storage/counters.h \
	src/storage/dbformat.h \
	src/storage/filename.h src/storage/filename.c \
	src/storage/iterator.h src/storage/iterator.c
libshale_a_SOURCES += \
	src/storage/drop_range.h src/storage/drop_range.c \
	src/storage/version_edit.h src/storage/version_edit.c \
	src/storage/version.h src/storage/version_set.c src/storage/version_read.c \
	src/storage/compaction_pick.c src/storage/merger.c \
	src/storage/db_iter.h src/storage/db_iter.c \
	src/storage/db_impl.h src/storage/db.c src/storage/db_background.c src/storage/db_checkpoint.c
