/* SPDX-License-Identifier: MIT */
/*
 * Running sluiced unattended: the pid file, the service manager's notification socket, and the
 * drop to an unprivileged user once the capture sockets are open. Called from the main thread
 * only; none of it is on a data path.
 */
#ifndef SLUICE_OPS_H
#define SLUICE_OPS_H

#include <stddef.h>

struct sl_config;

/* Opens and locks run.pid-file (flock, so a stale file left by a crash is not "running").
 * Returns the fd, -1 when run.pid-file is empty, or -2 with errbuf set (another sluiced holds
 * it, or it cannot be opened). */
int sl_pidfile_lock(const char *path, char *errbuf, size_t errlen);
/* Writes getpid() into the locked file (after daemon(), whose fork changes the pid). */
int sl_pidfile_write(int fd, char *errbuf, size_t errlen);
/* Removes the file (while still holding the lock) and closes it. */
void sl_pidfile_release(int fd, const char *path);

/* A datagram to $NOTIFY_SOCKET (sd_notify(3)'s protocol: a path, or '@' for the abstract
 * namespace). 0 when sent or when there is no such socket; -errno otherwise. */
int sl_notify(const char *msg);

/* run.user / run.group / run.capabilities: become that user, keeping only the listed
 * capabilities (effective and permitted; nothing inheritable), with no way back (no new
 * privileges). Nothing to do when run.user is empty. Must run before any stage thread exists:
 * capabilities are per thread, and threads started later inherit the main thread's. */
int sl_drop_privileges(const struct sl_config *cfg, char *errbuf, size_t errlen);

#endif
