/* shalectl.h -- shared pieces of the shalectl admin CLI (tools/shalectl/): connection
 * options, the subcommands, and small file helpers. Each subcommand returns the process exit
 * status (0 ok, 1 failure) and reports to stderr. */
#ifndef SHALE_TOOLS_SHALECTL_SHALECTL_H
#define SHALE_TOOLS_SHALECTL_SHALECTL_H

#include <stddef.h>

#include "protocol/pq_client.h"
#include "tools/shalectl/bk_manifest.h"

typedef struct ShalectlConn {
    const char *host, *user, *database, *password;
    int port;
    const char *sslmode, *sslrootcert;   /* pq_client.h; NULL = prefer / ~/.postgresql/root.crt */
} ShalectlConn;

/* What `shalectl dump` writes (docs/operations.md, "dump"). */
typedef enum ShalectlDumpTarget {
    DUMP_TARGET_ANY,        /* loads into both: ShaleDB-only section guarded by psql's \if */
    DUMP_TARGET_POSTGRES,   /* no ShaleDB-only section (listed in comments) */
    DUMP_TARGET_SHALEDB     /* ShaleDB-only section unguarded */
} ShalectlDumpTarget;

typedef struct ShalectlDumpOptions {
    const char *const *tables;   /* -t names (borrowed), "name" or "schema.name"; none = all */
    int n_tables;
    const char *file;            /* -f; NULL = stdout */
    ShalectlDumpTarget target;
} ShalectlDumpOptions;

int shalectl_dump(const ShalectlConn *conn, const ShalectlDumpOptions *o);

/* Connects (errors printed). *out freed with pq_client_close. */
int shalectl_connect(const ShalectlConn *conn, PqClient **out);

int shalectl_backup(const ShalectlConn *conn, const char *dir, const char *incremental_from);
int shalectl_restore(const char *backup_dir, const char *new_data_dir);
int shalectl_verify(const char *backup_dir);

/* dir must not exist (it is created) or be an empty directory. -1 with why. */
int shalectl_prepare_empty_dir(const char *dir, char *why, size_t cap);
/* Hard-links src to dst, or copies it (and fsyncs the copy). -1 with why. */
int shalectl_link_or_copy(const char *src, const char *dst, char *why, size_t cap);

#endif
