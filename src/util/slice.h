/* slice.h -- a borrowed byte range (pointer + length). A slice never owns its bytes;
 * whoever hands one out says in its contract how long the bytes stay valid. */
#ifndef SHALE_UTIL_SLICE_H
#define SHALE_UTIL_SLICE_H

#include <stddef.h>
#include <string.h>

typedef struct ShaleSlice {
    const char *data;
    size_t size;
} ShaleSlice;

static inline ShaleSlice shale_slice(const void *data, size_t size)
{
    ShaleSlice s = { (const char *)data, size };
    return s;
}

static inline ShaleSlice shale_slice_cstr(const char *s)
{
    return shale_slice(s, strlen(s));
}

/* memcmp order; a proper prefix sorts first. */
static inline int shale_slice_compare(ShaleSlice a, ShaleSlice b)
{
    size_t n = a.size < b.size ? a.size : b.size;
    int r = n ? memcmp(a.data, b.data, n) : 0;
    if (r == 0)
        r = (a.size < b.size) ? -1 : (a.size > b.size);
    return r;
}

static inline int shale_slice_equal(ShaleSlice a, ShaleSlice b)
{
    return a.size == b.size && (a.size == 0 || memcmp(a.data, b.data, a.size) == 0);
}

#endif
