/* status.c -- birth of every ShaleError (see status.h). */
#include "util/status.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

ShaleCode shale_error_setv(ShaleError *err, ShaleCode code, const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

ShaleCode shale_error_set(ShaleError *err, ShaleCode code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    shale_error_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

ShaleCode shale_error_errno(ShaleError *err, int errnum, const char *fmt, ...)
{
    ShaleCode code = SHALE_IO_ERROR;
    if (errnum == ENOSPC || errnum == EDQUOT)
        code = SHALE_NO_SPACE;
    else if (errnum == ENOMEM)
        code = SHALE_NO_MEMORY;
    if (err) {
        va_list ap;
        char buf[SHALE_ERROR_MSG_MAX];
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        char ebuf[128];
        const char *es = strerror_r(errnum, ebuf, sizeof ebuf);
        return shale_error_set(err, code, "%s: %s", buf, es);
    }
    return code;
}

const char *shale_code_name(ShaleCode code)
{
    switch (code) {
    case SHALE_OK: return "OK";
    case SHALE_NOT_FOUND: return "not found";
    case SHALE_CORRUPTION: return "corruption";
    case SHALE_IO_ERROR: return "I/O error";
    case SHALE_INVALID_ARGUMENT: return "invalid argument";
    case SHALE_NOT_SUPPORTED: return "not supported";
    case SHALE_BUSY: return "busy";
    case SHALE_NO_SPACE: return "no space left";
    case SHALE_NO_MEMORY: return "out of memory";
    case SHALE_CLOSED: return "closed";
    }
    return "unknown";
}
