/* session_undo.c -- what SET / SET LOCAL / SET ROLE / SET SESSION AUTHORIZATION undo at
 * ROLLBACK TO SAVEPOINT, ROLLBACK and COMMIT, as PostgreSQL's GUC nesting does:
 *   - a setting or the role changed after a savepoint goes back to its earlier state when
 *     the transaction rolls back to that savepoint (an undo log, entries tagged with the
 *     savepoint depth at the change; RELEASE hands them to the enclosing level);
 *   - the role state of an aborted transaction goes back to its value before the
 *     transaction; at commit it becomes the value of the last non-LOCAL SET ROLE (SET LOCAL
 *     ROLE ends with its transaction). Plain settings do the same through session.c
 *     (tx_set_*) and settings.c (SET LOCAL).
 * The log lives in the session (malloc'd, owned by it, emptied at transaction end). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/session_int.h"

struct SessionUndo {
    int depth;                    /* n_savepoints when the change was made (>= 1) */
    int id;                       /* SettingId, or -1 for the role state */
    bool saved;                   /* settings.saved[id] before the change */
    char value[SETTING_VALUE_MAX];
    char saved_value[SETTING_VALUE_MAX];
    SessionRoleState role;
};

void session_role_capture(const SqlSession *s, SessionRoleState *out)
{
    memcpy(out->user, s->user, sizeof out->user);
    out->user_oid = s->user_oid;
    out->superuser = s->superuser;
    memcpy(out->session_user, s->session_user, sizeof out->session_user);
    out->session_user_oid = s->session_user_oid;
}

/* Puts r back and re-reports is_superuser / session_authorization when they change. */
static void role_restore(SqlSession *s, const SessionRoleState *r)
{
    memcpy(s->user, r->user, sizeof s->user);
    s->user_oid = r->user_oid;
    s->superuser = r->superuser;
    memcpy(s->session_user, r->session_user, sizeof s->session_user);
    s->session_user_oid = r->session_user_oid;
    const char *su = r->superuser ? "on" : "off";
    if (strcmp(s->settings.value[SETTING_IS_SUPERUSER], su) != 0) {
        snprintf(s->settings.value[SETTING_IS_SUPERUSER], SETTING_VALUE_MAX, "%s", su);
        s->settings.changed[SETTING_IS_SUPERUSER] = settings_reported(SETTING_IS_SUPERUSER);
    }
    if (strcmp(s->settings.value[SETTING_SESSION_AUTHORIZATION], r->session_user) != 0) {
        snprintf(s->settings.value[SETTING_SESSION_AUTHORIZATION], SETTING_VALUE_MAX, "%s", r->session_user);
        s->settings.changed[SETTING_SESSION_AUTHORIZATION] = settings_reported(SETTING_SESSION_AUTHORIZATION);
    }
}

static SessionUndo *undo_push(SqlSession *s)
{
    if (s->n_undo == s->cap_undo) {
        int cap = s->cap_undo ? s->cap_undo * 2 : 8;
        SessionUndo *u = realloc(s->undo, (size_t)cap * sizeof *u);
        if (!u)
            return NULL;
        s->undo = u;
        s->cap_undo = cap;
    }
    SessionUndo *u = &s->undo[s->n_undo++];
    u->depth = s->n_savepoints;
    return u;
}

/* Inside a transaction: a block, a statement's implicit one, or a Query message of several
 * statements (one implicit transaction in PostgreSQL even before its first query). */
static bool in_txn(const SqlSession *s)
{
    return s->txn || s->msg_multi;
}

int session_undo_note_setting(SqlSession *s, int id)
{
    if (!s->txn || s->n_savepoints == 0 || id < 0 || id >= SETTING__COUNT)
        return 0;
    SessionUndo *u = undo_push(s);
    if (!u)
        return -1;
    u->id = id;
    u->saved = s->settings.saved[id];
    memcpy(u->value, s->settings.value[id], SETTING_VALUE_MAX);
    memcpy(u->saved_value, s->settings.saved_value[id], SETTING_VALUE_MAX);
    return 0;
}

int session_undo_note_role(SqlSession *s)
{
    if (!in_txn(s))
        return 0;
    if (!s->tx_role_saved) {
        s->tx_role_saved = true;
        session_role_capture(s, &s->tx_role_before);
        s->tx_role_commit = s->tx_role_before;
    }
    if (s->n_savepoints == 0)
        return 0;
    SessionUndo *u = undo_push(s);
    if (!u)
        return -1;
    u->id = -1;
    session_role_capture(s, &u->role);
    return 0;
}

void session_undo_role_set(SqlSession *s, bool local)
{
    if (in_txn(s) && s->tx_role_saved && !local)
        session_role_capture(s, &s->tx_role_commit);
}

void session_undo_rollback_to(SqlSession *s, int depth)
{
    while (s->n_undo > 0 && s->undo[s->n_undo - 1].depth >= depth) {
        const SessionUndo *u = &s->undo[--s->n_undo];
        if (u->id < 0) {
            role_restore(s, &u->role);
            continue;
        }
        bool differs = strcmp(s->settings.value[u->id], u->value) != 0;
        memcpy(s->settings.value[u->id], u->value, SETTING_VALUE_MAX);
        s->settings.saved[u->id] = u->saved;
        memcpy(s->settings.saved_value[u->id], u->saved_value, SETTING_VALUE_MAX);
        if (differs) {
            if (settings_reported((SettingId)u->id))
                s->settings.changed[u->id] = true;
            (void)session_apply_setting(s, settings_name((SettingId)u->id), NULL);
        }
    }
}

void session_undo_release(SqlSession *s, int depth)
{
    for (int i = 0; i < s->n_undo; i++)
        if (s->undo[i].depth > depth)
            s->undo[i].depth = depth;
    /* depth 0: no savepoint left to roll back to; the transaction-level state decides */
    if (depth == 0)
        s->n_undo = 0;
}

void session_undo_end_txn(SqlSession *s, bool aborted)
{
    s->n_undo = 0;
    if (!s->tx_role_saved)
        return;
    s->tx_role_saved = false;
    role_restore(s, aborted ? &s->tx_role_before : &s->tx_role_commit);
}

void session_undo_end_message(SqlSession *s)
{
    if (s->tx != TX_NONE)
        return;   /* the transaction's end decides */
    if (s->tx_set_any) {
        memset(s->tx_set_saved, 0, sizeof s->tx_set_saved);
        s->tx_set_any = false;
    }
    session_undo_end_txn(s, false);
}
