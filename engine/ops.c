/* SPDX-License-Identifier: MIT */
/* The pid file, the notification socket and the privilege drop (ops.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ops.h"

int sl_pidfile_lock(const char *path, char *errbuf, size_t errlen)
{
	if (path == NULL || path[0] == 0)
		return -1;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		snprintf(errbuf, errlen, "run.pid-file: %s: %s", path, strerror(errno));
		return -2;
	}
	/* flock belongs to the open file description, so daemon()'s child keeps it */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		char pid[32] = "";
		ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = 0;
		pid[strcspn(pid, "\n")] = 0;
		if (e == EWOULDBLOCK)
			snprintf(errbuf, errlen, "run.pid-file: %s: another sluiced holds it (pid %s)", path,
			         pid[0] ? pid : "unknown");
		else
			snprintf(errbuf, errlen, "run.pid-file: %s: flock: %s", path, strerror(e));
		close(fd);
		return -2;
	}
	return fd;
}

int sl_pidfile_write(int fd, char *errbuf, size_t errlen)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		snprintf(errbuf, errlen, "run.pid-file: write: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void sl_pidfile_release(int fd, const char *path)
{
	if (fd < 0)
		return;
	/* unlink before the lock goes, so a new sluiced never sees our pid in a file it locked;
	 * after a drop to run.user this may fail (the directory is root's): the lock is what
	 * tells a live sluiced from a stale file, so a file left behind is harmless */
	if (unlink(path) != 0 && errno != ENOENT)
		(void)ftruncate(fd, 0);
	close(fd);
}

int sl_notify(const char *msg)
{
	const char *p = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;

	if (p == NULL || p[0] == 0)
		return 0;
	len = strlen(p);
	if ((p[0] != '/' && p[0] != '@') || len >= sizeof sa.sun_path)
		return -EINVAL;
	memcpy(sa.sun_path, p, len);
	if (p[0] == '@')
		sa.sun_path[0] = 0; /* the abstract namespace: no terminating NUL counted */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ssize_t n = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	                   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	int e = n < 0 ? -errno : 0;
	close(fd);
	return e;
}

/* run.capabilities names, in the order of cap_names in conf_schema.c */
static const int cap_numbers[] = { CAP_NET_RAW, CAP_NET_ADMIN, CAP_IPC_LOCK, CAP_SYS_NICE, CAP_SYS_RESOURCE };

static int capset_self(uint64_t mask)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2] = { 0 };
	d[0].effective = d[0].permitted = (uint32_t)mask;
	d[1].effective = d[1].permitted = (uint32_t)(mask >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

static int last_cap(void)
{
	int n = CAP_LAST_CAP;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f) {
		if (fscanf(f, "%d", &n) != 1 || n < 0 || n > 63)
			n = CAP_LAST_CAP;
		fclose(f);
	}
	return n;
}

int sl_drop_privileges(const struct sl_config *cfg, char *errbuf, size_t errlen)
{
	const char *user = cfg->run.user, *group = cfg->run.group;
	uint64_t keep = 0;
	char buf[4096];

	if (user == NULL || user[0] == 0) {
		if ((group && group[0]) || cfg->run.capabilities.n) {
			snprintf(errbuf, errlen, "run.%s: has no effect without run.user",
			         group && group[0] ? "group" : "capabilities");
			return -EINVAL;
		}
		return 0;
	}
	for (size_t i = 0; i < cfg->run.capabilities.n; i++)
		for (size_t k = 0; sl__cap_names[k]; k++)
			if (strcmp(cfg->run.capabilities.v[i], sl__cap_names[k]) == 0)
				keep |= 1ull << cap_numbers[k];
	if (geteuid() != 0) {
		snprintf(errbuf, errlen, "run.user: becoming %s needs root (running as uid %ld)", user,
		         (long)geteuid());
		return -EPERM;
	}
	struct passwd pw, *pwp = NULL;
	if (getpwnam_r(user, &pw, buf, sizeof buf, &pwp) != 0 || pwp == NULL) {
		snprintf(errbuf, errlen, "run.user: no user named %s", user);
		return -ENOENT;
	}
	uid_t uid = pw.pw_uid;
	gid_t gid = pw.pw_gid;
	if (group && group[0]) {
		struct group gr, *grp = NULL;
		if (getgrnam_r(group, &gr, buf, sizeof buf, &grp) != 0 || grp == NULL) {
			snprintf(errbuf, errlen, "run.group: no group named %s", group);
			return -ENOENT;
		}
		gid = gr.gr_gid;
	}
	if (uid == 0) {
		snprintf(errbuf, errlen, "run.user: %s is root; name an unprivileged user", user);
		return -EINVAL;
	}

	/* The bounding set first, while CAP_SETPCAP is still effective; then the ids, keeping the
	 * permitted set across the change of uid; then the set we keep, raised as effective. */
	const char *step = "prctl(PR_SET_KEEPCAPS)";
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
		goto fail;
	for (int c = 0; c <= last_cap(); c++)
		if (!(keep & (1ull << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) {
			step = "prctl(PR_CAPBSET_DROP)";
			goto fail;
		}
	step = "setgroups";
	if (setgroups(1, &gid) != 0)
		goto fail;
	step = "setresgid";
	if (setresgid(gid, gid, gid) != 0)
		goto fail;
	step = "setresuid"; /* glibc applies it to every thread of the process */
	if (setresuid(uid, uid, uid) != 0)
		goto fail;
	step = "capset";
	if (capset_self(keep) != 0)
		goto fail;
	step = "prctl(PR_SET_NO_NEW_PRIVS)";
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		goto fail;
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* proof rather than trust: a way back to root would be a failed drop */
	if (setresuid(0, 0, 0) == 0) {
		snprintf(errbuf, errlen, "run.user: could become root again after the drop to %s", user);
		return -EPERM;
	}
	return 0;
fail:
	snprintf(errbuf, errlen, "run.user: dropping to %s: %s: %s", user, step, strerror(errno));
	return -errno;
}
