/* pg_sleep.c -- pg_sleep, pg_sleep_for, pg_sleep_until (see pg_sleep.h). */
#include <time.h>

#include "sql/pg_sleep.h"
#include "util/blocking.h"

#define SLEEP_SLICE_NS 10000000ll   /* the longest stretch between two cancel checks */
#define PG_EPOCH_UNIX_US 946684800000000ll

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool cancelled(const QueryEnv *env)
{
    return env->hooks.cancelled && env->hooks.cancelled(env->hooks.arg);
}

/* Sleeps seconds (<= 0: only a cancel check). 0, or -1 with 57014. */
static int sleep_seconds(const QueryEnv *env, double seconds, SqlError *err)
{
    if (cancelled(env))
        return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
    if (!(seconds > 0))             /* also NaN */
        return 0;
    if (seconds > 1e9)              /* ~31 years: the end is never reached anyway */
        seconds = 1e9;
    int64_t end = mono_ns() + (int64_t)(seconds * 1e9);
    int rc = 0;
    shale_block_enter();
    for (;;) {
        int64_t left = end - mono_ns();
        if (left <= 0)
            break;
        if (left > SLEEP_SLICE_NS)
            left = SLEEP_SLICE_NS;
        struct timespec ts = {(time_t)(left / 1000000000), (long)(left % 1000000000)};
        nanosleep(&ts, NULL);
        if (cancelled(env)) {
            rc = SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
            break;
        }
    }
    shale_block_leave();
    return rc;
}

static Value void_value(void)
{
    return value_bytes(VOIDOID, "", 0);
}

static int fn_sleep(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)a;
    (void)nargs;
    if (sleep_seconds(env, args[0].u.f, err) != 0)
        return -1;
    *out = void_value();
    return 0;
}

/* Like PostgreSQL's SQL definition (sleep until clock_timestamp() + interval): a month
 * counts 30 days, a day 24 hours. */
static int fn_sleep_for(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                        SqlError *err)
{
    (void)a;
    (void)nargs;
    double us = (double)args[0].u.iv.months * 30.0 * 86400e6 + (double)args[0].u.iv.days * 86400e6 +
                (double)args[0].u.iv.us;
    if (sleep_seconds(env, us / 1e6, err) != 0)
        return -1;
    *out = void_value();
    return 0;
}

static int fn_sleep_until(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                          SqlError *err)
{
    (void)a;
    (void)nargs;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000 - PG_EPOCH_UNIX_US;
    if (sleep_seconds(env, (double)(args[0].u.i - now_us) / 1e6, err) != 0)
        return -1;
    *out = void_value();
    return 0;
}

static const PgCatFunc sleep_funcs[] = {
    {"pg_sleep", 1, {FLOAT8OID, 0, 0, 0}, VOIDOID, true, fn_sleep, 2626},
    {"pg_sleep_for", 1, {INTERVALOID, 0, 0, 0}, VOIDOID, true, fn_sleep_for, 3935},
    {"pg_sleep_until", 1, {TIMESTAMPTZOID, 0, 0, 0}, VOIDOID, true, fn_sleep_until, 3936},
};

int pg_sleep_func_count(void)
{
    return (int)(sizeof sleep_funcs / sizeof sleep_funcs[0]);
}

const PgCatFunc *pg_sleep_func_at(int i)
{
    return i >= 0 && i < pg_sleep_func_count() ? &sleep_funcs[i] : NULL;
}
