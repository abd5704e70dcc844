/* blocking.h -- a thread says "I am about to sleep" and "I am running again" to whoever
 * schedules it. The connection event loop (protocol/pq_loop.c) serves many connections on a
 * few worker threads; a worker that sleeps on a row lock, a group commit or an fsync would
 * stall every connection queued behind it, so the places that sleep for another thread's
 * progress bracket the sleep with shale_block_enter/leave and the loop lends the CPU to
 * another worker meanwhile.
 *
 * The hooks are per thread (thread-local, owned by the thread that installs them); a thread
 * without hooks pays one thread-local load per call. Calls nest: only the outermost
 * enter/leave pair reaches the hooks. */
#ifndef SHALE_UTIL_BLOCKING_H
#define SHALE_UTIL_BLOCKING_H

typedef struct ShaleBlockHooks {
    void (*enter)(void *arg);   /* the thread is about to sleep */
    void (*leave)(void *arg);   /* the thread runs again */
    void *arg;
} ShaleBlockHooks;

/* Installs hooks for the calling thread (NULL removes them). hooks must outlive their use. */
void shale_block_hooks_set(const ShaleBlockHooks *hooks);
void shale_block_enter(void);
void shale_block_leave(void);

#endif
