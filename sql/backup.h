/* backup.h -- BASE_BACKUP: the online physical backup stream a superuser reads over the wire
 * (shalectl backup), consistent at one sequence number while writes go on.
 *
 * Statement: BASE_BACKUP [ 'reuse list' ]. Not a keyword (pg_get_keywords() is unchanged);
 * superuser only (42501), not inside a transaction block (25001). The answer is a CopyOut
 * (overall format binary, 0 columns), then CommandComplete "BASE_BACKUP".
 *
 * Stream format: every CopyData message is one record; its first byte is the record type,
 * integers are little-endian (util/coding.h fixed encodings), a name is u16 length + bytes
 * (a relative path inside the data directory: "db/000012.sst", "hnsw/5_16384_16390.hnsw").
 *   'H' u32 format version (BACKUP_STREAM_VERSION) | u64 sequence number of the backup
 *   'F' u64 size | name            -- a file follows: 'D' records with exactly size bytes,
 *   'D' bytes                      --   then
 *   'E' u32 crc32c (unmasked) of the file's bytes
 *   'R' u64 size | u32 crc32c | name -- the client already has this file (reuse list)
 *   'Z' u32 number of 'F' + 'R' files -- end; a stream without it is incomplete
 * Files: the storage checkpoint exported as a data directory (db/ = *.sst, MANIFEST-*, CURRENT
 * of the checkpoint; their placement in a restored directory is the data dir itself), the
 * hnsw graph files (hnsw/), and shaledb.conf when present.
 *
 * Reuse list: whitespace-separated "name:size:crc32c-hex" entries naming db/ SSTable files of an
 * earlier backup. An SSTable of the checkpoint with the same name and size whose bytes have
 * that CRC is announced with 'R' instead of being sent (SSTables are immutable).
 *
 * HNSW graph files are copied after the checkpoint, so they may be newer or older than it;
 * a graph is reconciled with the index entries (the truth, inside the checkpoint) when the
 * restored server first uses it (sql/vecindex.h), and a damaged one is rebuilt. */
#ifndef SHALE_SQL_BACKUP_H
#define SHALE_SQL_BACKUP_H

#include "catalog/sqlerror.h"
#include "sql/parser/ast.h"
#include "sql/sql.h"

#define BACKUP_STREAM_VERSION 1u
#define BACKUP_CHUNK (256u * 1024u)

struct SqlSession;

/* Runs BASE_BACKUP for s, streaming through sink. SQL_DONE or SQL_ERROR with *err set. */
SqlStatus backup_execute(struct SqlSession *s, const AstBaseBackupStmt *st, const SqlSink *sink, SqlError *err);

#endif
