/* types_fn_tochar.h -- internal: the date/time template scanner shared by to_char
 * (types_fn_tochar.c) and to_timestamp/to_date (types_fn_toparse.c), and the registration
 * entry points of the formatting files. */
#ifndef SHALE_SQL_TYPES_TYPES_FN_TOCHAR_H
#define SHALE_SQL_TYPES_TYPES_FN_TOCHAR_H

#include "sql/types/types_fn.h"

/* Keywords; case variants that behave differently are separate entries. */
typedef enum DchKey {
    K_AD_DOT, K_AD, K_AM_DOT, K_AM, K_BC_DOT, K_BC, K_CC, K_DAY, K_DDD, K_DD, K_DY, K_D, K_FF1, K_FF2, K_FF3,
    K_FF4, K_FF5, K_FF6, K_HH24, K_HH12, K_HH, K_IDDD, K_ID, K_IW, K_IYYY, K_IYY, K_IY, K_I, K_J, K_MI, K_MM,
    K_MONTH, K_MON, K_MS, K_OF, K_PM_DOT, K_PM, K_Q, K_RM, K_SSSSS, K_SSSS, K_SS, K_TZH, K_TZM, K_TZ, K_US,
    K_WW, K_W, K_Y_YYY, K_YYYY, K_YYY, K_YY, K_Y
} DchKey;

typedef enum DchCase { C_UPPER, C_CAP, C_LOWER } DchCase;

typedef struct DchWord {
    const char *name;
    DchKey key;
    DchCase cs;
} DchWord;

/* One template item: a keyword with its modifiers, or a literal byte run. */
typedef struct DchItem {
    const DchWord *w;     /* NULL: literal */
    const char *lit;
    size_t litn;
    bool fm, tm, th_upper, th_lower;
    bool quoted;          /* literal from a double-quoted string */
} DchItem;

/* Splits a date/time template into items allocated in a (literal items point into s).
 * Returns the number of items, -1 on OOM. */
int tc_dch_parse(const char *s, size_t n, ShaleArena *a, DchItem **out);

void types_fn_toparse_register(void);   /* types_fn_toparse.c: to_timestamp, to_date */
void types_fn_tonum_register(void);     /* types_fn_tonum.c: to_char(number), to_number */

#endif
