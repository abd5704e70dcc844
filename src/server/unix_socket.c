/* unix_socket.c -- Unix-domain listening sockets and their lock files (format and rules in
 * unix_socket.h). Runs on the main thread at start and at shutdown only. */
#include "server/unix_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "protocol/pq_log.h"

_Static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) == UNIX_SOCKET_PATH_MAX,
               "UNIX_SOCKET_PATH_MAX must match sockaddr_un.sun_path");

/* Result of trying to take one lock file. */
typedef enum UnixLockResult { UNIX_LOCK_OK, UNIX_LOCK_BUSY, UNIX_LOCK_ERROR } UnixLockResult;

/* Reads the pid from an existing lock file: >0, 0 when the file vanished meanwhile, -1 when
 * it holds no pid (content copied into text for the message). */
static long unix_lock_read_pid(const char *path, char *text, size_t cap)
{
    text[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    ssize_t n = read(fd, text, cap - 1);
    close(fd);
    if (n < 0)
        n = 0;
    text[n] = '\0';
    char *nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    char *end;
    long pid = strtol(text, &end, 10);
    if (end == text || pid <= 0)
        return -1;
    return pid;
}

/* Creates lock_path exclusively with our pid, replacing a stale one (dead pid, or our own or
 * our parent's pid: a left-over of an earlier start of this same process tree). */
static UnixLockResult unix_lock_take(const char *lock_path, const char *sock_path, const char *dir,
                                     int port, const char *data_dir)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = open(lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            char buf[8192];
            int len = snprintf(buf, sizeof buf, "%ld\n%s\n%lld\n%d\n%s\n", (long)getpid(), data_dir,
                               (long long)time(NULL), port, dir);
            if (len < 0 || (size_t)len >= sizeof buf)
                len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
            bool ok = write(fd, buf, (size_t)len) == len;
            int werr = errno;
            ok = close(fd) == 0 && ok;
            if (!ok) {
                pq_log_write(PQ_LOG_LOG, 0, "could not write lock file \"%s\": %s", lock_path,
                             strerror(werr));
                unlink(lock_path);
                return UNIX_LOCK_ERROR;
            }
            return UNIX_LOCK_OK;
        }
        if (errno != EEXIST) {
            pq_log_write(PQ_LOG_LOG, 0, "could not create lock file \"%s\": %s", lock_path, strerror(errno));
            return UNIX_LOCK_ERROR;
        }
        char text[64];
        long pid = unix_lock_read_pid(lock_path, text, sizeof text);
        if (pid == 0)
            continue; /* removed between our open and our read: try again */
        if (pid < 0) {
            pq_log_write(PQ_LOG_FATAL, 0, "bogus data in lock file \"%s\": \"%s\"", lock_path, text);
            pq_log_write(PQ_LOG_LOG, 0, "HINT:  Either another server is starting, or the lock file is "
                                        "the remnant of a previous server startup crash.");
            return UNIX_LOCK_BUSY;
        }
        bool mine = pid == (long)getpid() || pid == (long)getppid();
        if (!mine && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)) {
            pq_log_write(PQ_LOG_FATAL, 0, "lock file \"%s\" already exists", lock_path);
            pq_log_write(PQ_LOG_LOG, 0, "HINT:  Is another server (PID %ld) using socket file \"%s\"?",
                         pid, sock_path);
            return UNIX_LOCK_BUSY;
        }
        if (unlink(lock_path) != 0 && errno != ENOENT) {
            pq_log_write(PQ_LOG_LOG, 0, "could not remove old lock file \"%s\": %s", lock_path,
                         strerror(errno));
            return UNIX_LOCK_ERROR;
        }
        pq_log_write(PQ_LOG_LOG, 0, "removed stale lock file \"%s\" (PID %ld is not running)", lock_path, pid);
    }
    pq_log_write(PQ_LOG_LOG, 0, "could not create lock file \"%s\": too many attempts", lock_path);
    return UNIX_LOCK_ERROR;
}

/* The socket itself, once its lock is held: bind, permissions, group, listen. Returns the
 * listening fd or -1 (logged). */
static int unix_socket_open(const char *sock_path, int mode, const char *group)
{
    (void)unlink(sock_path); /* a stale socket file: its lock was ours to take */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        pq_log_write(PQ_LOG_LOG, 0, "could not create Unix-domain socket: %s", strerror(errno));
        return -1;
    }
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, sock_path, strlen(sock_path) + 1);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        pq_log_write(PQ_LOG_LOG, 0, "could not bind Unix address \"%s\": %s", sock_path, strerror(errno));
        close(fd);
        return -1;
    }
    if (group && *group) {
        struct group gbuf, *gr = NULL;
        char scratch[4096];
        if (getgrnam_r(group, &gbuf, scratch, sizeof scratch, &gr) != 0 || !gr) {
            pq_log_write(PQ_LOG_LOG, 0, "group \"%s\" does not exist", group);
            goto fail;
        }
        if (chown(sock_path, (uid_t)-1, gr->gr_gid) != 0) {
            pq_log_write(PQ_LOG_LOG, 0, "could not set group of file \"%s\": %s", sock_path, strerror(errno));
            goto fail;
        }
    }
    if (chmod(sock_path, (mode_t)mode) != 0) {
        pq_log_write(PQ_LOG_LOG, 0, "could not set permissions of file \"%s\": %s", sock_path, strerror(errno));
        goto fail;
    }
    if (listen(fd, 1024) != 0) {
        pq_log_write(PQ_LOG_LOG, 0, "could not listen on Unix socket \"%s\": %s", sock_path, strerror(errno));
        goto fail;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
fail:
    close(fd);
    unlink(sock_path);
    return -1;
}

int unix_socket_listen_all(UnixSockets *us, const char *dirs, int port, int mode, const char *group,
                           const char *data_dir, int *fds, int *n_fds, int fds_cap)
{
    char list[1024];
    snprintf(list, sizeof list, "%s", dirs);
    int wanted = 0;
    for (char *save = NULL, *dir = strtok_r(list, ",", &save); dir; dir = strtok_r(NULL, ",", &save)) {
        while (*dir == ' ')
            dir++;
        size_t l = strlen(dir);
        while (l && dir[l - 1] == ' ')
            dir[--l] = '\0';
        while (l > 1 && dir[l - 1] == '/')
            dir[--l] = '\0';
        if (!*dir)
            continue;
        wanted++;
        if (us->n >= UNIX_SOCKET_MAX_DIRS || *n_fds >= fds_cap) {
            pq_log_write(PQ_LOG_WARNING, 0, "too many Unix-domain socket directories; \"%s\" ignored", dir);
            continue;
        }
        char *sock_path = us->sock_paths[us->n];
        char *lock_path = us->lock_paths[us->n];
        int pl = snprintf(sock_path, UNIX_SOCKET_PATH_MAX, "%s/.s.PGSQL.%d", dir, port);
        if (pl < 0 || pl >= UNIX_SOCKET_PATH_MAX) {
            pq_log_write(PQ_LOG_LOG, 0, "Unix-domain socket path \"%s/.s.PGSQL.%d\" is too long "
                         "(maximum %d bytes)", dir, port, UNIX_SOCKET_PATH_MAX - 1);
            pq_log_write(PQ_LOG_WARNING, 0, "could not create Unix-domain socket in directory \"%s\"", dir);
            continue;
        }
        memcpy(lock_path, sock_path, (size_t)pl);
        memcpy(lock_path + pl, ".lock", 6);
        UnixLockResult lr = unix_lock_take(lock_path, sock_path, dir, port, data_dir);
        if (lr == UNIX_LOCK_BUSY)
            return -1;
        int fd = lr == UNIX_LOCK_OK ? unix_socket_open(sock_path, mode, group) : -1;
        if (fd < 0) {
            if (lr == UNIX_LOCK_OK)
                unlink(lock_path);
            pq_log_write(PQ_LOG_WARNING, 0, "could not create Unix-domain socket in directory \"%s\"", dir);
            continue;
        }
        us->n++;
        fds[(*n_fds)++] = fd;
        pq_log_write(PQ_LOG_LOG, 0, "listening on Unix socket \"%s\"", sock_path);
    }
    if (wanted > 0 && us->n == 0) {
        pq_log_write(PQ_LOG_FATAL, 0, "could not create any Unix-domain sockets");
        return -1;
    }
    return 0;
}

void unix_socket_remove_all(UnixSockets *us)
{
    for (int i = 0; i < us->n; i++) {
        unlink(us->sock_paths[i]);
        unlink(us->lock_paths[i]);
    }
    us->n = 0;
}
