/* pq_log.h -- the server log: one line per event on stderr,
 *   2024-05-01 12:00:00.123 UTC [conn 17] LOG:  connection received: host=127.0.0.1 port=5123
 * (conn 0 = the server itself). Levels and their names follow PostgreSQL's
 * log_min_messages. Thread-safe: each line is written with a single write(2). */
#ifndef SHALE_PROTOCOL_PQ_LOG_H
#define SHALE_PROTOCOL_PQ_LOG_H

#include <stdbool.h>
#include <stdint.h>

typedef enum PqLogLevel {
    PQ_LOG_DEBUG = 0,
    PQ_LOG_INFO,
    PQ_LOG_NOTICE,
    PQ_LOG_WARNING,
    PQ_LOG_ERROR,
    PQ_LOG_LOG,         /* connection lines, startup and shutdown: shown by default */
    PQ_LOG_FATAL
} PqLogLevel;

/* Lines below level are dropped (default PQ_LOG_WARNING). The order is PostgreSQL's
 * server-log order, where LOG ranks above ERROR. */
void pq_log_set_level(PqLogLevel level);
PqLogLevel pq_log_get_level(void);
/* Parses "debug1".."debug5", "debug", "info", "notice", "warning", "log", "error", "fatal",
 * "panic" (case-insensitive). False when unknown. */
bool pq_log_parse_level(const char *name, PqLogLevel *out);
bool pq_log_enabled(PqLogLevel level);

void pq_log_write(PqLogLevel level, uint32_t conn_id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
