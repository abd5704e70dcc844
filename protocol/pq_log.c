/* pq_log.c -- the server log on stderr (line format in pq_log.h). The level is the only
 * global state: an atomic, written by the server at start and on reload. */
#include "protocol/pq_log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static atomic_int pq_log_level = PQ_LOG_WARNING;

static const char *const pq_log_names[] = {
    [PQ_LOG_DEBUG] = "DEBUG", [PQ_LOG_INFO] = "INFO", [PQ_LOG_NOTICE] = "NOTICE",
    [PQ_LOG_WARNING] = "WARNING", [PQ_LOG_ERROR] = "ERROR", [PQ_LOG_LOG] = "LOG",
    [PQ_LOG_FATAL] = "FATAL",
};

void pq_log_set_level(PqLogLevel level)
{
    atomic_store(&pq_log_level, (int)level);
}

PqLogLevel pq_log_get_level(void)
{
    return (PqLogLevel)atomic_load(&pq_log_level);
}

bool pq_log_parse_level(const char *name, PqLogLevel *out)
{
    static const struct { const char *name; PqLogLevel level; } table[] = {
        {"debug", PQ_LOG_DEBUG}, {"debug1", PQ_LOG_DEBUG}, {"debug2", PQ_LOG_DEBUG},
        {"debug3", PQ_LOG_DEBUG}, {"debug4", PQ_LOG_DEBUG}, {"debug5", PQ_LOG_DEBUG},
        {"info", PQ_LOG_INFO}, {"notice", PQ_LOG_NOTICE}, {"warning", PQ_LOG_WARNING},
        {"error", PQ_LOG_ERROR}, {"log", PQ_LOG_LOG}, {"fatal", PQ_LOG_FATAL},
        {"panic", PQ_LOG_FATAL},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcasecmp(name, table[i].name) == 0) {
            *out = table[i].level;
            return true;
        }
    }
    return false;
}

bool pq_log_enabled(PqLogLevel level)
{
    return (int)level >= atomic_load(&pq_log_level);
}

void pq_log_write(PqLogLevel level, uint32_t conn_id, const char *fmt, ...)
{
    if (!pq_log_enabled(level))
        return;
    char line[2048];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    time_t secs = tv.tv_sec;
    gmtime_r(&secs, &tm);
    int n = (int)strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
    if (conn_id)
        n += snprintf(line + n, sizeof line - (size_t)n, ".%03d UTC [conn %u] %s:  ",
                      (int)(tv.tv_usec / 1000), conn_id, pq_log_names[level]);
    else
        n += snprintf(line + n, sizeof line - (size_t)n, ".%03d UTC [server] %s:  ",
                      (int)(tv.tv_usec / 1000), pq_log_names[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    n += m;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}
