/* filename.c -- parsing of data-directory file names (see filename.h). */
#include "storage/filename.h"

#include <stdlib.h>
#include <string.h>

static bool parse_number(const char *s, const char *end, uint64_t *out)
{
    if (s == end)
        return false;
    uint64_t v = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return false;
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

ShaleFileType shale_parse_file_name(const char *name, uint64_t *number)
{
    size_t n = strlen(name);
    *number = 0;
    if (strcmp(name, "CURRENT") == 0)
        return SHALE_FILE_CURRENT;
    if (strcmp(name, "LOCK") == 0)
        return SHALE_FILE_LOCK;
    if (n > 4 && strcmp(name + n - 4, ".tmp") == 0)
        return SHALE_FILE_TEMP;
    if (strncmp(name, "MANIFEST-", 9) == 0)
        return parse_number(name + 9, name + n, number) ? SHALE_FILE_MANIFEST : SHALE_FILE_OTHER;
    if (n > 4 && strcmp(name + n - 4, ".sst") == 0)
        return parse_number(name, name + n - 4, number) ? SHALE_FILE_SST : SHALE_FILE_OTHER;
    if (n > 4 && strcmp(name + n - 4, ".wal") == 0)
        return parse_number(name, name + n - 4, number) ? SHALE_FILE_WAL : SHALE_FILE_OTHER;
    return SHALE_FILE_OTHER;
}
