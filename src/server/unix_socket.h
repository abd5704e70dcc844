/* unix_socket.h -- the server's Unix-domain listening sockets, as PostgreSQL makes them: for
 * each directory D of unix_socket_directories, the socket D/.s.PGSQL.<port> guarded by the
 * lock file D/.s.PGSQL.<port>.lock, so `psql -p PORT` (libpq's default host is a socket
 * directory) reaches the server without -h.
 *
 * Lock file format (text, one value a line, as PostgreSQL's socket lock files):
 *   <pid>\n<data directory>\n<start time, seconds since the epoch>\n<port>\n<socket directory>\n
 * A lock file whose pid is alive (and not ours or our parent's) means another server owns
 * the socket: the start is refused. A lock file whose pid is dead is stale and replaced; the
 * stale socket file next to it is removed before bind. */
#ifndef SHALE_SERVER_UNIX_SOCKET_H
#define SHALE_SERVER_UNIX_SOCKET_H

#include <stdbool.h>

#define UNIX_SOCKET_MAX_DIRS 8
#define UNIX_SOCKET_PATH_MAX 108 /* sizeof sockaddr_un.sun_path on Linux */

/* The files one server created, to be removed at shutdown. Owned by the caller (plain value);
 * zero-initialize before unix_socket_listen_all. */
typedef struct UnixSockets {
    int n;
    char sock_paths[UNIX_SOCKET_MAX_DIRS][UNIX_SOCKET_PATH_MAX];
    char lock_paths[UNIX_SOCKET_MAX_DIRS][UNIX_SOCKET_PATH_MAX + 8];
} UnixSockets;

/* Creates a listening socket in every directory of dirs (comma-separated; spaces around
 * names ignored; "" = none) and appends each non-blocking listening fd to fds[*n_fds]
 * (capacity fds_cap). mode: permission bits of the socket files (unix_socket_permissions);
 * group: their group name or "" (unix_socket_group). data_dir is written into the lock file.
 * A directory where the socket cannot be made is a WARNING, as in PostgreSQL, unless another
 * live server owns its lock file (FATAL: the start must stop) or no directory worked at all
 * (FATAL). Returns 0, or -1 (logged; files created so far stay recorded in us for
 * unix_socket_remove_all). */
int unix_socket_listen_all(UnixSockets *us, const char *dirs, int port, int mode, const char *group,
                           const char *data_dir, int *fds, int *n_fds, int fds_cap);

/* Removes every socket and lock file recorded in us (the listening fds are the caller's to
 * close). Safe to call twice. */
void unix_socket_remove_all(UnixSockets *us);

#endif
