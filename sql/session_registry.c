/* session_registry.c -- the engine's registry of open sessions: which database each one is
 * connected to, so DROP DATABASE and ALTER DATABASE RENAME can refuse while others use the
 * database (55006) and DROP DATABASE ... WITH (FORCE) can terminate them. The list is a
 * doubly linked list through SqlSession.reg_* under SqlEngine.sessions_mu; sessions join at
 * the end of sql_session_open and leave first thing in sql_session_close, so a terminate
 * hook never runs on a closing session. */
#include "sql/session_int.h"

void session_registry_add(SqlSession *s)
{
    SqlEngine *eng = s->eng;
    session_activity_init(s);
    pthread_mutex_lock(&eng->sessions_mu);
    s->reg_prev = NULL;
    s->reg_next = eng->sessions;
    if (eng->sessions)
        eng->sessions->reg_prev = s;
    eng->sessions = s;
    s->registered = true;
    pthread_mutex_unlock(&eng->sessions_mu);
}

void session_registry_remove(SqlSession *s)
{
    SqlEngine *eng = s->eng;
    pthread_mutex_lock(&eng->sessions_mu);
    if (s->registered) {
        if (s->reg_prev)
            s->reg_prev->reg_next = s->reg_next;
        else
            eng->sessions = s->reg_next;
        if (s->reg_next)
            s->reg_next->reg_prev = s->reg_prev;
        s->reg_next = s->reg_prev = NULL;
        s->registered = false;
    }
    s->terminate_fn = NULL;
    s->terminate_arg = NULL;
    pthread_mutex_unlock(&eng->sessions_mu);
    session_activity_destroy(s);
}

int session_registry_count_db(SqlEngine *eng, Oid db, const SqlSession *self)
{
    int n = 0;
    pthread_mutex_lock(&eng->sessions_mu);
    for (const SqlSession *o = eng->sessions; o; o = o->reg_next)
        if (o != self && o->db_oid == db)
            n++;
    pthread_mutex_unlock(&eng->sessions_mu);
    return n;
}

int session_registry_terminate_db(SqlEngine *eng, Oid db, const SqlSession *self)
{
    int n = 0;
    pthread_mutex_lock(&eng->sessions_mu);
    for (SqlSession *o = eng->sessions; o; o = o->reg_next) {
        if (o == self || o->db_oid != db)
            continue;
        atomic_store(&o->terminated, true);
        atomic_store(&o->cancel, true);
        if (o->terminate_fn)
            o->terminate_fn(o->terminate_arg);
        n++;
    }
    pthread_mutex_unlock(&eng->sessions_mu);
    return n;
}

void sql_session_set_terminate_hook(SqlSession *s, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&s->eng->sessions_mu);
    s->terminate_fn = fn;
    s->terminate_arg = arg;
    bool already = atomic_load(&s->terminated);
    pthread_mutex_unlock(&s->eng->sessions_mu);
    if (already && fn)
        fn(arg);
}

bool sql_session_terminated(const SqlSession *s)
{
    return s && atomic_load(&((SqlSession *)s)->terminated);
}
