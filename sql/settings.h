/* settings.h -- session settings (PostgreSQL's GUCs) that ShaleDB knows: their defaults,
 * which ones are reported to the client (ParameterStatus), SET/SHOW/RESET semantics, and
 * SET LOCAL (undone at transaction end). One SessionSettings per session; the static table
 * of definitions is immutable. */
#ifndef SHALE_SQL_SETTINGS_H
#define SHALE_SQL_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog/sqlerror.h"

typedef enum SettingId {
#define SETTING(ID, NAME, DEFAULT, REPORT, CHECK) SETTING_##ID,
#include "sql/settings.def"
#undef SETTING
    SETTING__COUNT
} SettingId;

#define SETTING_VALUE_MAX 256

typedef struct SessionSettings {
    char value[SETTING__COUNT][SETTING_VALUE_MAX];
    char reset_value[SETTING__COUNT][SETTING_VALUE_MAX];  /* value RESET returns to */
    /* SET LOCAL: the value to restore at transaction end, when saved[i] is true. */
    bool saved[SETTING__COUNT];
    char saved_value[SETTING__COUNT][SETTING_VALUE_MAX];
    bool changed[SETTING__COUNT];                         /* reported changes not yet sent */
} SessionSettings;

void settings_init(SessionSettings *s);
/* Case-insensitive lookup; -1 when unknown. */
int settings_lookup(const char *name);
const char *settings_name(SettingId id);
bool settings_reported(SettingId id);
static inline const char *settings_get(const SessionSettings *s, SettingId id)
{
    return s->value[id];
}
/* SET name = value (value NULL = DEFAULT). local: only until the transaction ends.
 * Unknown names: 42704 'unrecognized configuration parameter "x"'; bad values: 22023.
 * Names with a dot (custom/extension settings like hnsw.ef_search) are accepted. */
int settings_set(SessionSettings *s, const char *name, const char *value, bool local, SqlError *err);
/* SHOW name: writes the value into buf; 42704 if unknown. */
int settings_show(const SessionSettings *s, const char *name, char *buf, size_t cap, SqlError *err);
/* Transaction end: undo SET LOCAL values. */
void settings_end_transaction(SessionSettings *s);

#endif
