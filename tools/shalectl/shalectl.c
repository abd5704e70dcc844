/* shalectl.c -- the admin CLI's entry point: argument parsing, `status`, connecting.
 *   shalectl backup  -h H -p P -U U [-d DB] -o DIR [--incremental-from OLD]
 *   shalectl restore DIR -D NEWDATADIR
 *   shalectl verify  DIR
 *   shalectl status  -h H -p P -U U [-d DB]
 *   shalectl dump    -h H -p P -U U [-d DB] [-t TABLE ...] [-f FILE] [--target=any|postgres|shaledb]
 * Every command that connects takes --sslmode MODE (PGSSLMODE) and --sslrootcert FILE
 * (PGSSLROOTCERT).
 * Connection defaults follow libpq's environment (PGHOST, PGPORT, PGUSER, PGDATABASE,
 * PGPASSWORD), then 127.0.0.1:5433, the OS user, database postgres. */
#include "tools/shalectl/shalectl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "shalectl -- ShaleDB administration\n"
            "usage:\n"
            "  shalectl backup  [conn] -o DIR [--incremental-from OLD]   online physical backup\n"
            "  shalectl restore DIR -D NEWDATADIR                        data directory from a backup\n"
            "  shalectl verify  DIR                                      check every file and block checksum\n"
            "  shalectl status  [conn]                                   server version and state\n"
            "  shalectl dump    [conn] [-t TABLE]... [-f FILE] [--target=any|postgres|shaledb]\n"
            "                                                            logical dump as SQL (psql script)\n"
            "conn: -h HOST (127.0.0.1) -p PORT (5433) -U USER (OS user) -d DATABASE (postgres)\n"
            "      --sslmode disable|allow|prefer|require|verify-ca|verify-full (prefer)\n"
            "      --sslrootcert FILE (~/.postgresql/root.crt);\n"
            "      the password comes from PGPASSWORD; PGHOST/PGPORT/PGUSER/PGDATABASE/PGSSLMODE/\n"
            "      PGSSLROOTCERT are honoured.\n");
}

int shalectl_connect(const ShalectlConn *conn, PqClient **out)
{
    PqClientOptions o = { conn->host, conn->port, conn->user, conn->database, conn->password, conn->sslmode,
                          conn->sslrootcert };
    char why[1200];
    if (pq_client_connect(&o, out, why, sizeof why) != 0) {
        fprintf(stderr, "shalectl: %s\n", why);
        return -1;
    }
    return 0;
}

static int print_row(void *arg, int n, const char *const *vals)
{
    const char *const *labels = arg;
    for (int i = 0; i < n && labels[i]; i++)
        printf("%-18s %s\n", labels[i], vals[i] ? vals[i] : "");
    return 0;
}

static int print_stats(void *arg, int n, const char *const *vals)
{
    (void)arg;
    for (int i = 0; i < n; i++)
        printf("%s%s", i ? " " : "  ", vals[i] ? vals[i] : "NULL");
    printf("\n");
    return 0;
}

static int shalectl_status(const ShalectlConn *conn)
{
    PqClient *c;
    if (shalectl_connect(conn, &c) != 0)
        return 1;
    static const char *const labels[] = { "server", "user", "database", "connections", "databases", NULL };
    int rc = pq_client_query(c,
                             "SELECT version(), current_user, current_database(), "
                             "(SELECT count(*) FROM pg_stat_activity), (SELECT count(*) FROM pg_database)",
                             print_row, (void *)labels);
    if (rc == 0)
        printf("%-18s %s\n", "ssl", pq_client_tls_version(c) ? pq_client_tls_version(c) : "off");
    if (rc != 0) {
        fprintf(stderr, "shalectl: status: %s\n", pq_client_error(c));
    } else if (pq_client_query(c, "SELECT * FROM shale_stats", NULL, NULL) == 0) {
        printf("storage statistics (shale_stats):\n");
        (void)pq_client_query(c, "SELECT * FROM shale_stats", print_stats, NULL);
    }
    pq_client_close(c);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-?")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    ShalectlConn conn = { getenv("PGHOST"), getenv("PGUSER"), getenv("PGDATABASE"), getenv("PGPASSWORD"), 0,
                          getenv("PGSSLMODE"), getenv("PGSSLROOTCERT") };
    if (getenv("PGPORT"))
        conn.port = atoi(getenv("PGPORT"));
    if (!conn.database)
        conn.database = "postgres";
    const char *out = NULL, *incr = NULL, *datadir = NULL, *pos = NULL;
    ShalectlDumpOptions dump = { NULL, 0, NULL, DUMP_TARGET_ANY };
    static const char **tables;   /* -t names; reachable until exit (freed by dump's path) */
    tables = calloc((size_t)argc, sizeof *tables);
    if (!tables)
        return 1;
    dump.tables = tables;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strncmp(a, "--sslmode=", 10) || !strncmp(a, "--sslrootcert=", 14) || !strncmp(a, "--target=", 9)) {
            v = strchr(a, '=') + 1;
            if (a[2] == 't') {
                if (!strcmp(v, "any"))
                    dump.target = DUMP_TARGET_ANY;
                else if (!strcmp(v, "postgres"))
                    dump.target = DUMP_TARGET_POSTGRES;
                else if (!strcmp(v, "shaledb"))
                    dump.target = DUMP_TARGET_SHALEDB;
                else {
                    fprintf(stderr, "shalectl: --target must be any, postgres or shaledb\n");
                    return 2;
                }
            } else if (a[5] == 'm') {
                conn.sslmode = v;
            } else {
                conn.sslrootcert = v;
            }
            continue;
        }
        bool takes = !strcmp(a, "-h") || !strcmp(a, "-p") || !strcmp(a, "-U") || !strcmp(a, "-d") ||
                     !strcmp(a, "-o") || !strcmp(a, "-D") || !strcmp(a, "--incremental-from") ||
                     !strcmp(a, "-t") || !strcmp(a, "-f") || !strcmp(a, "--sslmode") || !strcmp(a, "--sslrootcert");
        if (takes && !v) {
            fprintf(stderr, "shalectl: option %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "-h"))
            conn.host = v;
        else if (!strcmp(a, "-p"))
            conn.port = atoi(v);
        else if (!strcmp(a, "-U"))
            conn.user = v;
        else if (!strcmp(a, "-d"))
            conn.database = v;
        else if (!strcmp(a, "-o"))
            out = v;
        else if (!strcmp(a, "-D"))
            datadir = v;
        else if (!strcmp(a, "--incremental-from"))
            incr = v;
        else if (!strcmp(a, "-t"))
            tables[dump.n_tables++] = v;
        else if (!strcmp(a, "-f"))
            dump.file = v;
        else if (!strcmp(a, "--sslmode"))
            conn.sslmode = v;
        else if (!strcmp(a, "--sslrootcert"))
            conn.sslrootcert = v;
        else if (a[0] == '-' || pos) {
            fprintf(stderr, "shalectl: unexpected argument \"%s\"\n", a);
            usage(stderr);
            return 2;
        } else {
            pos = a;
            continue;
        }
        i++;
    }
    if (!strcmp(cmd, "backup")) {
        if (!out || pos) {
            fprintf(stderr, "shalectl: backup needs -o DIR\n");
            return 2;
        }
        return shalectl_backup(&conn, out, incr);
    }
    if (!strcmp(cmd, "restore")) {
        if (!pos || !datadir) {
            fprintf(stderr, "shalectl: usage: shalectl restore DIR -D NEWDATADIR\n");
            return 2;
        }
        return shalectl_restore(pos, datadir);
    }
    if (!strcmp(cmd, "verify")) {
        if (!pos) {
            fprintf(stderr, "shalectl: usage: shalectl verify DIR\n");
            return 2;
        }
        return shalectl_verify(pos);
    }
    if (!strcmp(cmd, "status"))
        return shalectl_status(&conn);
    if (!strcmp(cmd, "dump")) {
        if (pos) {
            fprintf(stderr, "shalectl: unexpected argument \"%s\" (dump writes to stdout or -f FILE)\n", pos);
            return 2;
        }
        int rc = shalectl_dump(&conn, &dump);
        free(tables);
        return rc;
    }
    fprintf(stderr, "shalectl: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return 2;
}
