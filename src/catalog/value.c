/* value.c -- the static type table generated from pg_types.def. */
#include "catalog/value.h"

#include <string.h>

static const TypeInfo type_table[] = {
#define PG_TYPE(NAME, OID, SQLNAME, LEN, BYVAL, CAT, ARR, ELEM) { OID, SQLNAME, LEN, BYVAL, CAT, ARR, ELEM },
#include "catalog/pg_types.def"
#undef PG_TYPE
};

const TypeInfo *type_info(Oid oid)
{
    for (size_t i = 0; i < sizeof type_table / sizeof type_table[0]; i++)
        if (type_table[i].oid == oid)
            return &type_table[i];
    return NULL;
}

const TypeInfo *type_info_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof type_table / sizeof type_table[0]; i++)
        if (strcmp(type_table[i].name, name) == 0)
            return &type_table[i];
    return NULL;
}
