/* status.h -- errors as values.
 *
 * Fallible functions return a ShaleCode (SHALE_OK == 0) and, when the caller passes a
 * non-NULL ShaleError, fill it with a message. Every error is born in shale_error_set()
 * (through the SHALE_ERR_* macros), so one breakpoint there catches the birth of any error.
 * No longjmp anywhere. */
#ifndef SHALE_UTIL_STATUS_H
#define SHALE_UTIL_STATUS_H

#include <stdarg.h>

typedef enum ShaleCode {
    SHALE_OK = 0,
    SHALE_NOT_FOUND = 1,
    SHALE_CORRUPTION = 2,
    SHALE_IO_ERROR = 3,
    SHALE_INVALID_ARGUMENT = 4,
    SHALE_NOT_SUPPORTED = 5,
    SHALE_BUSY = 6,        /* resource held by someone else (e.g. the data-directory lock) */
    SHALE_NO_SPACE = 7,    /* ENOSPC / EDQUOT */
    SHALE_NO_MEMORY = 8,
    SHALE_CLOSED = 9       /* the object was closed or is shutting down */
} ShaleCode;

#define SHALE_ERROR_MSG_MAX 512

typedef struct ShaleError {
    ShaleCode code;
    char msg[SHALE_ERROR_MSG_MAX];
} ShaleError;

#define SHALE_WARN_UNUSED __attribute__((warn_unused_result))

/* Sets *err (if non-NULL) and returns code. Breakpoint here to catch any error's birth. */
ShaleCode shale_error_set(ShaleError *err, ShaleCode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
ShaleCode shale_error_setv(ShaleError *err, ShaleCode code, const char *fmt, va_list ap);

/* Errno-derived error: maps ENOSPC/EDQUOT to SHALE_NO_SPACE, ENOMEM to SHALE_NO_MEMORY,
 * everything else to SHALE_IO_ERROR; appends strerror(errnum) to the message. */
ShaleCode shale_error_errno(ShaleError *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline void shale_error_clear(ShaleError *err)
{
    if (err) {
        err->code = SHALE_OK;
        err->msg[0] = '\0';
    }
}

const char *shale_code_name(ShaleCode code);

#define SHALE_ERR_CORRUPT(err, ...) shale_error_set((err), SHALE_CORRUPTION, __VA_ARGS__)
#define SHALE_ERR_IO(err, ...) shale_error_set((err), SHALE_IO_ERROR, __VA_ARGS__)
#define SHALE_ERR_INVALID(err, ...) shale_error_set((err), SHALE_INVALID_ARGUMENT, __VA_ARGS__)
#define SHALE_ERR_NOMEM(err, ...) shale_error_set((err), SHALE_NO_MEMORY, __VA_ARGS__)

#endif
