/* pg_sleep.h -- pg_sleep(double precision), pg_sleep_for(interval), pg_sleep_until(timestamptz)
 * with PostgreSQL's semantics: sleep the given time (nothing for a zero, negative or past
 * one; NULL returns NULL at once), fail with 57014 when the statement is cancelled or its
 * statement_timeout passes (checked at least every 10 ms). The sleep is bracketed with
 * shale_block_enter/leave (src/util/blocking.h) so the event loop lends the worker's CPU to
 * other connections meanwhile.
 *
 * Threading: stateless. The entries are static and live for the process. */
#ifndef SHALE_SQL_PG_SLEEP_H
#define SHALE_SQL_PG_SLEEP_H

#include "sql/pgcat/pgcat.h"

int pg_sleep_func_count(void);
const PgCatFunc *pg_sleep_func_at(int i);

#endif
