/* SPDX-License-Identifier: MIT */
/*
 * The ring against its peer process: who holds a role, how a stream ends, what a forked child
 * may do with an inherited handle, how a ring file comes into being, and how quiet and how
 * exact the waiting is. Each mode is one ctest; every check is a count, a field or a return
 * code, never a duration (a few waits have generous timeouts so that a bug fails instead of
 * hanging).
 *
 *   test_ring_peer fork-close     a forked child closing inherited handles ends nothing
 *   test_ring_peer roles          a dead holder's role is free whatever the pid field says;
 *                                 a live holder's is refused whatever the pid field says
 *   test_ring_peer finish-detach  close without finish detaches (-ENOTCONN, a new producer
 *                                 goes on); finish ends the stream (-EPIPE)
 *   test_ring_peer consumer-gone  a producer on a full ring learns its consumer left (-EPIPE)
 *   test_ring_peer create         no opener ever sees a half-made file; a full tmpfs is
 *                                 -ENOSPC at create and leaves nothing behind (root)
 *   test_ring_peer idle           an idle cross-process consumer's syscalls over ~3 s, counted
 *                                 with ptrace
 *   test_ring_peer wake           every sleep that a commit (release) ends is ended by the
 *                                 peer's FUTEX_WAKE, not by the liveness timeout
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ring_impl.h"
#include "sluice/ring.h"

#define SKIP 77

static char dir[64];
static const struct sl_ring_config small = { .capacity = 1u << 16, .huge = SL_HUGEPAGES_NEVER };

static void nap_ms(long ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 }, NULL);
}

static int wait_exit(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void put(sl_ring *r, uint16_t type, uint32_t len)
{
	uint8_t *p = sl_ring_reserve(r, type, len);
	REQUIRE(p != NULL);
	memset(p, type & 0xff, len);
}

/* Reads everything there is now; returns how many records. */
static size_t drain(sl_ring *c)
{
	struct sl_rec rec[64];
	size_t n, total = 0;
	while ((n = sl_ring_peek(c, rec, 64)) > 0) {
		total += n;
		sl_ring_release(c, n);
	}
	return total;
}

/* The state letter of /proc/<pid>/stat: 'S' while it sleeps in a syscall. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return '?';
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* ---- fork-close ----------------------------------------------------------------------- */

static int run_fork_close(void)
{
	sl_ring *p, *c, *c2;
	struct sl_ring_stats st;

	REQUIRE(sl_ring_create("fork", &small, &p) == 0);
	REQUIRE(sl_ring_open("fork", SL_RING_CONSUMER, &c) == 0);
	put(p, 1, 100);
	sl_ring_commit(p);

	/* The child inherits both handles and closes them (and tries to finish the stream). */
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring_finish(p);
		sl_ring_close(p);
		sl_ring_close(c);
		_exit(0);
	}
	CHECK_EQ(wait_exit(pid), 0);

	/* The parent's stream goes on: not finished, not detached, both roles still held. */
	CHECK_EQ(drain(c), 1);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -ETIMEDOUT);
	CHECK_EQ(sl_ring_wait_readable(c, 250), -ETIMEDOUT);
	sl_ring_stats(c, &st);
	CHECK_EQ(st.finished, 0);
	CHECK_EQ(st.producer_alive, 1);
	CHECK_EQ(st.consumer_alive, 1);
	CHECK_EQ(st.producer_pid, getpid());
	CHECK_EQ(st.consumer_pid, getpid());
	CHECK_EQ(sl_ring_open("fork", SL_RING_PRODUCER, &c2), -EBUSY);
	CHECK_EQ(sl_ring_open("fork", SL_RING_CONSUMER, &c2), -EBUSY);
	put(p, 2, 50);
	sl_ring_commit(p);
	CHECK_EQ(sl_ring_wait_readable(c, 1000), 0);
	CHECK_EQ(drain(c), 1);

	/* An anonymous ring too: a child's close of the inherited handle finishes nothing. */
	sl_ring *a;
	REQUIRE(sl_ring_create(NULL, &small, &a) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring_finish(a);
		sl_ring_close(a);
		_exit(0);
	}
	CHECK_EQ(wait_exit(pid), 0);
	CHECK_EQ(sl_ring_wait_readable(a, 0), -ETIMEDOUT);
	sl_ring_stats(a, &st);
	CHECK_EQ(st.finished, 0);
	sl_ring_close(a);

	/* The owner's own finish still ends it. */
	sl_ring_finish(p);
	CHECK_EQ(sl_ring_wait_readable(c, 1000), -EPIPE);
	sl_ring_close(c);
	sl_ring_close(p);
	CHECK_EQ(sl_ring_unlink("fork"), 0);
	return check_result();
}

/* ---- roles ---------------------------------------------------------------------------- */

static int run_roles(void)
{
	sl_ring *p, *m;
	int go[2], held[2];

	/* 1. The holder dies without a word; its pid field is then made to name a live process
	 *    (pid reuse, or a pid from another namespace): the role is free all the same. */
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring *r;
		_exit(sl_ring_create("roles", &small, &r) == 0 ? 0 : 1);
	}
	CHECK_EQ(wait_exit(pid), 0);
	REQUIRE(sl_ring_open("roles", SL_RING_MONITOR, &m) == 0);
	struct sl_ring_stats st;
	sl_ring_stats(m, &st);
	CHECK_EQ(st.producer_pid, pid);
	CHECK_EQ(st.producer_alive, 0);
	sl_ring_close(m);
	/* scribble a live pid (ours: the old code refused its own pid too) */
	{
		int fd;
		char path[128];
		snprintf(path, sizeof path, "%s/sluice.roles", dir);
		REQUIRE((fd = open(path, O_RDWR)) >= 0);
		int32_t live = 1; /* init: always alive */
		REQUIRE(pwrite(fd, &live, sizeof live, offsetof(struct sl__ring_hdr, producer_pid)) == sizeof live);
		close(fd);
	}
	CHECK_EQ(sl_ring_open("roles", SL_RING_PRODUCER, &p), 0);
	if (p) {
		sl_ring_stats(p, &st);
		CHECK_EQ(st.producer_pid, getpid());
		CHECK_EQ(st.producer_attaches, 2);
		sl_ring_close(p);
	}

	/* 2. A live holder, whose pid field is then made to name a dead process and its attached
	 *    flag cleared: its lock still refuses a second producer. */
	REQUIRE(pipe(go) == 0 && pipe(held) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring *r;
		char b;
		close(go[1]);
		close(held[0]);
		int e = sl_ring_open("roles", SL_RING_PRODUCER, &r);
		b = e == 0 ? 'y' : 'n';
		if (write(held[1], &b, 1) != 1)
			_exit(2);
		if (read(go[0], &b, 1) < 0) /* hold the role until the parent says */
			_exit(2);
		_exit(e == 0 ? 0 : 1);
	}
	close(go[0]);
	close(held[1]);
	char b = 0;
	REQUIRE(read(held[0], &b, 1) == 1 && b == 'y');
	sl_ring *c;
	REQUIRE(sl_ring_open("roles", SL_RING_CONSUMER, &c) == 0);
	atomic_store(&c->hdr->producer_pid, 999999999); /* no such process */
	CHECK_EQ(sl_ring_open("roles", SL_RING_PRODUCER, &p), -EBUSY);
	sl_ring_stats(c, &st);
	CHECK_EQ(st.producer_alive, 1);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -ETIMEDOUT); /* a producer is there */
	/* The child dies holding the role (the parent closes the pipe: the child exits, no close). */
	close(go[1]);
	CHECK_EQ(wait_exit(pid), 0);
	CHECK_EQ(sl_ring_wait_readable(c, 2000), -ENOTCONN);
	CHECK_EQ(sl_ring_open("roles", SL_RING_PRODUCER, &p), 0);
	if (p)
		sl_ring_close(p);
	/* Same for the consumer role: held by a live handle, refused. */
	sl_ring *c2;
	CHECK_EQ(sl_ring_open("roles", SL_RING_CONSUMER, &c2), -EBUSY);
	sl_ring_close(c);
	CHECK_EQ(sl_ring_open("roles", SL_RING_CONSUMER, &c2), 0);
	if (c2)
		sl_ring_close(c2);
	close(held[0]);
	CHECK_EQ(sl_ring_unlink("roles"), 0);
	return check_result();
}

/* ---- finish-detach -------------------------------------------------------------------- */

static pid_t producer_child(int records, int finish, int do_close)
{
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring *p;
		int e = sl_ring_open("fd", SL_RING_PRODUCER, &p);
		if (e == -ENOENT)
			e = sl_ring_create("fd", &small, &p);
		if (e != 0)
			_exit(1);
		for (int i = 0; i < records; i++)
			put(p, (uint16_t)(10 + i), 64);
		sl_ring_commit(p);
		if (finish)
			sl_ring_finish(p);
		if (do_close)
			sl_ring_close(p);
		_exit(0);
	}
	return pid;
}

static int run_finish_detach(void)
{
	sl_ring *c, *m;
	struct sl_ring_stats st;

	/* A producer that closes without finishing: detached. */
	CHECK_EQ(wait_exit(producer_child(3, 0, 1)), 0);
	REQUIRE(sl_ring_open("fd", SL_RING_CONSUMER, &c) == 0);
	REQUIRE(sl_ring_open("fd", SL_RING_MONITOR, &m) == 0);
	CHECK_EQ(sl_ring_wait_readable(c, 0), 0);
	CHECK_EQ(drain(c), 3);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -ENOTCONN);
	CHECK_EQ(sl_ring_wait_readable(c, 1000), -ENOTCONN);
	sl_ring_stats(m, &st);
	CHECK(st.producer_alive == 0 && st.finished == 0 && st.producer_pid == 0);

	/* A producer that dies (no close, no finish): detached as well. */
	CHECK_EQ(wait_exit(producer_child(2, 0, 0)), 0);
	CHECK_EQ(drain(c), 2);
	CHECK_EQ(sl_ring_wait_readable(c, 1000), -ENOTCONN);
	sl_ring_stats(m, &st);
	CHECK(st.producer_alive == 0 && st.finished == 0 && st.producer_pid != 0);

	/* A producer that finishes and stays: the end of the stream while it is still alive. */
	int hold[2], done[2];
	char b;
	REQUIRE(pipe(hold) == 0 && pipe(done) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring *p;
		close(hold[1]);
		close(done[0]);
		if (sl_ring_open("fd", SL_RING_PRODUCER, &p) != 0)
			_exit(1);
		put(p, 7, 64);
		sl_ring_commit(p);
		sl_ring_finish(p);
		close(done[1]);
		if (read(hold[0], &b, 1) < 0)
			_exit(2);
		sl_ring_close(p);
		_exit(0);
	}
	close(hold[0]);
	close(done[1]);
	REQUIRE(read(done[0], &b, 1) == 0);
	close(done[0]);
	int got = 0, rc;
	for (int i = 0; i < 100 && (rc = sl_ring_wait_readable(c, 5000)) == 0; i++)
		got += (int)drain(c);
	CHECK_EQ(got, 1);
	CHECK_EQ(rc, -EPIPE);
	sl_ring_stats(m, &st);
	CHECK(st.producer_alive == 1 && st.finished == 1);
	close(hold[1]);
	CHECK_EQ(wait_exit(pid), 0);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -EPIPE); /* finished stays finished ... */

	/* ... until a new producer attaches: it clears finished and goes on. */
	CHECK_EQ(wait_exit(producer_child(4, 1, 1)), 0);
	CHECK_EQ(drain(c), 4);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -EPIPE);
	sl_ring_stats(m, &st);
	CHECK_EQ(st.producer_attaches, 4);
	CHECK_EQ(st.records_in, 3 + 2 + 1 + 4);
	CHECK_EQ(st.records_out, 3 + 2 + 1 + 4);
	CHECK_EQ(sl_ring_validate(c, NULL, 0), 0);
	sl_ring_close(m);
	sl_ring_close(c);
	CHECK_EQ(sl_ring_unlink("fd"), 0);
	return check_result();
}

/* ---- consumer-gone -------------------------------------------------------------------- */

/* Fills p's ring until a 1000-byte record no longer fits. */
static void fill(sl_ring *p)
{
	uint8_t *w;
	while ((w = sl_ring_reserve(p, 1, 1000)) != NULL)
		memset(w, 1, 1000);
	sl_ring_commit(p);
}

static int run_consumer_gone(void)
{
	sl_ring *p;
	int ready[2];

	REQUIRE(sl_ring_create("gone", &small, &p) == 0);
	fill(p);
	/* No consumer ever: the producer just waits for one. */
	CHECK_EQ(sl_ring_wait_writable(p, 1000, 0), -ETIMEDOUT);
	CHECK_EQ(sl_ring_wait_writable(p, 1000, 300), -ETIMEDOUT);

	/* A consumer that attaches, reads nothing and is killed while the producer sleeps. */
	REQUIRE(pipe(ready) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring *c;
		close(ready[0]);
		if (sl_ring_open("gone", SL_RING_CONSUMER, &c) != 0)
			_exit(1);
		close(ready[1]);
		for (;;)
			pause();
	}
	close(ready[1]);
	char b;
	REQUIRE(read(ready[0], &b, 1) == 0);
	close(ready[0]);
	CHECK_EQ(sl_ring_wait_writable(p, 1000, 0), -ETIMEDOUT); /* alive: just full */
	/* Kill it once the producer is asleep: the liveness check must end the sleep. */
	pid_t killer = fork();
	REQUIRE(killer >= 0);
	if (killer == 0) {
		for (int i = 0; i < 1000 && atomic_load(&p->hdr->prod_sleeping) == 0; i++)
			nap_ms(5);
		kill(pid, SIGKILL);
		_exit(0);
	}
	CHECK_EQ(sl_ring_wait_writable(p, 1000, 20000), -EPIPE);
	CHECK_EQ(wait_exit(killer), 0);
	CHECK_EQ(wait_exit(pid), 128 + SIGKILL);
	CHECK_EQ(sl_ring_wait_writable(p, 1000, 0), -EPIPE);

	/* A consumer that attaches, reads nothing and closes cleanly while the producer sleeps:
	 * woken at once, and told. */
	REQUIRE(pipe(ready) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring *c;
		close(ready[0]);
		if (sl_ring_open("gone", SL_RING_CONSUMER, &c) != 0)
			_exit(1);
		close(ready[1]);
		for (int i = 0; i < 1000 && atomic_load(&c->hdr->prod_sleeping) == 0; i++)
			nap_ms(5);
		sl_ring_close(c);
		_exit(0);
	}
	close(ready[1]);
	REQUIRE(read(ready[0], &b, 1) == 0);
	close(ready[0]);
	CHECK_EQ(sl_ring_wait_writable(p, 1000, 0), -ETIMEDOUT); /* attached: just full */
	CHECK_EQ(sl_ring_wait_writable(p, 1000, 20000), -EPIPE);
	CHECK_EQ(wait_exit(pid), 0);

	/* A new consumer makes room: writable again. */
	sl_ring *c;
	REQUIRE(sl_ring_open("gone", SL_RING_CONSUMER, &c) == 0);
	CHECK_EQ(sl_ring_wait_writable(p, 1000, 0), -ETIMEDOUT);
	CHECK(drain(c) > 0);
	CHECK_EQ(sl_ring_wait_writable(p, 1000, 0), 0);
	sl_ring_close(c);
	sl_ring_close(p);
	CHECK_EQ(sl_ring_unlink("gone"), 0);
	return check_result();
}

/* ---- create --------------------------------------------------------------------------- */

static int count_entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;
	if (!dp)
		return -1;
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dp);
	return n;
}

static int run_create(void)
{
	const int cycles = 1000;
	char path[128];
	snprintf(path, sizeof path, "%s/sluice.vis", dir);

	/* A watcher process opens the name as fast as it can while the parent creates and removes
	 * the ring over and over: every file it manages to open must be whole (its size, the
	 * magic). It counts the distinct files it saw in shared memory. */
	_Atomic uint64_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(shared != MAP_FAILED);
	_Atomic uint64_t *seen = &shared[0], *bad = &shared[1], *quit = &shared[2];
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		ino_t last = 0;
		while (!atomic_load(quit)) {
			struct stat sb;
			/* stat first: one cheap syscall, so the loop samples the name often */
			if (stat(path, &sb) != 0 || sb.st_ino == last)
				continue;
			int whole = (uint64_t)sb.st_size == 4096 + small.capacity;
			int fd = open(path, O_RDONLY);
			uint64_t magic = 0;
			if (fd >= 0) {
				whole &= pread(fd, &magic, sizeof magic, 0) == sizeof magic && magic == SL__RING_MAGIC;
				close(fd);
			} else if (errno == ENOENT) {
				continue; /* removed meanwhile */
			}
			last = sb.st_ino;
			if (!whole)
				atomic_fetch_add(bad, 1);
			atomic_fetch_add(seen, 1);
		}
		_exit(0);
	}
	for (int i = 0; i < cycles; i++) {
		sl_ring *r;
		REQUIRE(sl_ring_create("vis", &small, &r) == 0);
		/* keep it until the watcher has seen it (or a generous while) */
		for (int k = 0; k < 2000 && atomic_load(seen) < (uint64_t)i + 1; k++)
			nap_ms(1);
		sl_ring_close(r);
		REQUIRE(sl_ring_unlink("vis") == 0);
	}
	atomic_store(quit, 1);
	CHECK_EQ(wait_exit(pid), 0);
	printf("create: the watcher opened %llu of %d new ring files, %llu of them incomplete\n",
	       (unsigned long long)atomic_load(seen), cycles, (unsigned long long)atomic_load(bad));
	CHECK(atomic_load(seen) >= (uint64_t)cycles / 2);
	CHECK_EQ(atomic_load(bad), 0);
	CHECK_EQ(count_entries(dir), 0); /* no temporary left behind */
	munmap(shared, 4096);

	/* ENOSPC: a small tmpfs of our own. */
	if (geteuid() != 0) {
		printf("SKIP the ENOSPC half: not root, cannot mount a small tmpfs\n");
		return check_result();
	}
	char mnt[64];
	snprintf(mnt, sizeof mnt, "/tmp/sluice-full-XXXXXX");
	REQUIRE(mkdtemp(mnt) != NULL);
	if (mount("none", mnt, "tmpfs", 0, "size=1m") != 0) {
		printf("SKIP the ENOSPC half: mount -t tmpfs: %s\n", strerror(errno));
		rmdir(mnt);
		return check_result();
	}
	setenv("SLUICE_SHM_DIR", mnt, 1);
	struct sl_ring_config big = { .capacity = 4u << 20, .huge = SL_HUGEPAGES_NEVER };
	sl_ring *r = NULL;
	CHECK_EQ(sl_ring_create("full", &big, &r), -ENOSPC);
	CHECK(r == NULL);
	CHECK_EQ(count_entries(mnt), 0); /* neither the ring nor a temporary */
	CHECK_EQ(sl_ring_open("full", SL_RING_CONSUMER, &r), -ENOENT);
	/* What fits is made, and is whole. */
	struct sl_ring_config fits = { .capacity = 256u << 10, .huge = SL_HUGEPAGES_NEVER };
	CHECK_EQ(sl_ring_create("full", &fits, &r), 0);
	if (r) {
		CHECK_EQ(count_entries(mnt), 1);
		sl_ring_close(r);
		sl_ring_unlink("full");
	}
	setenv("SLUICE_SHM_DIR", dir, 1);
	umount(mnt);
	rmdir(mnt);
	return check_result();
}

/* ---- idle ----------------------------------------------------------------------------- */

static volatile sig_atomic_t alarm_rang;
static void on_alarm(int sig)
{
	(void)sig;
	alarm_rang = 1;
}

static int run_idle(void)
{
	const unsigned seconds = 3;
	const long bound = 200;
	sl_ring *p;
	int ready[2];

	REQUIRE(sl_ring_create("idle", &small, &p) == 0);
	REQUIRE(pipe(ready) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring *c;
		close(ready[0]);
		if (sl_ring_open("idle", SL_RING_CONSUMER, &c) != 0)
			_exit(1);
		close(ready[1]); /* set up: from here on it only waits */
		for (;;)
			if (sl_ring_wait_readable(c, -1) != 0 || sl_ring_peek(c, &(struct sl_rec){ 0 }, 1) != 0)
				_exit(3); /* nothing is ever committed: waking with data is a bug */
	}
	close(ready[1]);
	char b;
	REQUIRE(read(ready[0], &b, 1) == 0);
	close(ready[0]);

	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD) != 0) {
		printf("SKIP idle: ptrace(PTRACE_SEIZE): %s\n", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return SKIP;
	}
	REQUIRE(ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0);
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART: waitpid gets EINTR */
	sigaction(SIGALRM, &sa, NULL);
	long stops = 0;
	int st;
	alarm(seconds);
	while (!alarm_rang) {
		pid_t w = waitpid(pid, &st, __WALL);
		if (w < 0)
			break;
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		int sig = WSTOPSIG(st);
		int inject = 0;
		if (sig == (SIGTRAP | 0x80))
			stops++;
		else if (st >> 16 == 0 && sig != SIGTRAP && sig != SIGSTOP)
			inject = sig; /* a real signal: pass it on */
		ptrace(PTRACE_SYSCALL, pid, 0, inject);
	}
	alarm(0);
	kill(pid, SIGKILL);
	waitpid(pid, &st, __WALL);
	while (waitpid(pid, &st, __WALL) > 0)
		;
	long syscalls = (stops + 1) / 2; /* an entry and an exit stop each */
	printf("idle: a cross-process consumer waiting on an idle ring made %ld syscalls in %u s "
	       "(bound %ld; it was ~3900 a second with 1 ms sleeps and kill()+/proc per wake)\n",
	       syscalls, seconds, bound);
	CHECK(syscalls > 0); /* the tracing worked: it does look at its producer now and then */
	CHECK(syscalls < bound);
	sl_ring_close(p);
	CHECK_EQ(sl_ring_unlink("idle"), 0);
	return check_result();
}

/* ---- wake ----------------------------------------------------------------------------- */

/* Waits until the peer has gone to sleep on the futex: its wait counter moved past before and
 * it is in a sleeping syscall. 1, or 0 after a generous while. */
static int peer_asleep(pid_t pid, _Atomic uint64_t *waits, uint64_t before)
{
	for (int i = 0; i < 20000; i++) {
		if (atomic_load(waits) > before && proc_state(pid) == 'S')
			return 1;
		nap_ms(1);
	}
	return 0;
}

static int run_wake(void)
{
	const int rounds = 20;
	sl_ring *p;
	int res[2];

	/* Consumer side: a child sleeps in wait_readable(-1); each commit must wake it. */
	REQUIRE(sl_ring_create("wake", &small, &p) == 0);
	REQUIRE(pipe(res) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring *c;
		close(res[0]);
		if (sl_ring_open("wake", SL_RING_CONSUMER, &c) != 0)
			_exit(1);
		for (int i = 0; i < rounds; i++) {
			if (sl_ring_wait_readable(c, -1) != 0 || drain(c) != 1)
				_exit(2);
		}
		uint64_t out[3] = { c->t_woken[1], c->t_timedout[1], c->t_again[1] };
		if (write(res[1], out, sizeof out) != sizeof out)
			_exit(3);
		_exit(0);
	}
	close(res[1]);
	for (int i = 0; i < rounds; i++) {
		uint64_t before = atomic_load(&p->hdr->consumer_waits);
		REQUIRE(peer_asleep(pid, &p->hdr->consumer_waits, before));
		put(p, 1, 32);
		sl_ring_commit(p);
	}
	uint64_t got[3] = { 0 };
	CHECK_EQ(read(res[0], got, sizeof got), (ssize_t)sizeof got);
	close(res[0]);
	CHECK_EQ(wait_exit(pid), 0);
	printf("wake: the consumer's sleeps ended %llu times by FUTEX_WAKE, %llu by the liveness "
	       "timeout, %llu as the word moved (%d commits)\n", (unsigned long long)got[0],
	       (unsigned long long)got[1], (unsigned long long)got[2], rounds);
	/* Every sleep a commit ended, ended by the producer's wake (without it, the 100 ms
	 * liveness timeout would end them, and t_woken would stay 0). */
	CHECK_EQ(got[0], rounds);

	/* Producer side: a child with a full ring sleeps in wait_writable(-1); each release must
	 * wake it. */
	sl_ring *c;
	REQUIRE(sl_ring_open("wake", SL_RING_CONSUMER, &c) == 0);
	drain(c);
	int ready[2];
	REQUIRE(pipe(res) == 0 && pipe(ready) == 0);
	sl_ring_close(p); /* the child takes over as producer */
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring *q;
		close(res[0]);
		close(ready[0]);
		if (sl_ring_open("wake", SL_RING_PRODUCER, &q) != 0)
			_exit(1);
		fill(q);
		close(ready[1]);
		for (int i = 0; i < rounds; i++) {
			if (sl_ring_wait_writable(q, 1000, -1) != 0)
				_exit(2);
			fill(q);
		}
		uint64_t out[3] = { q->t_woken[0], q->t_timedout[0], q->t_again[0] };
		if (write(res[1], out, sizeof out) != sizeof out)
			_exit(3);
		sl_ring_finish(q);
		_exit(0);
	}
	close(res[1]);
	close(ready[1]);
	char b;
	REQUIRE(read(ready[0], &b, 1) == 0);
	close(ready[0]);
	struct sl_rec rec[4];
	for (int i = 0; i < rounds; i++) {
		uint64_t before = atomic_load(&c->hdr->producer_waits);
		REQUIRE(peer_asleep(pid, &c->hdr->producer_waits, before));
		size_t n = sl_ring_peek(c, rec, 2); /* room for one 1000-byte record */
		REQUIRE(n > 0);
		sl_ring_release(c, n);
	}
	CHECK_EQ(read(res[0], got, sizeof got), (ssize_t)sizeof got);
	close(res[0]);
	CHECK_EQ(wait_exit(pid), 0);
	printf("wake: the producer's sleeps ended %llu times by FUTEX_WAKE, %llu by the liveness "
	       "timeout, %llu as the word moved (%d releases)\n", (unsigned long long)got[0],
	       (unsigned long long)got[1], (unsigned long long)got[2], rounds);
	CHECK_EQ(got[0], rounds);
	sl_ring_close(c);
	CHECK_EQ(sl_ring_unlink("wake"), 0);
	return check_result();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int rc;

	snprintf(dir, sizeof dir, "/dev/shm/sluice-peer-XXXXXX");
	REQUIRE(mkdtemp(dir) != NULL);
	setenv("SLUICE_SHM_DIR", dir, 1);
	setenv("SLUICE_HUGETLBFS", "/nonexistent-hugetlbfs", 1);
	if (strcmp(mode, "fork-close") == 0)
		rc = run_fork_close();
	else if (strcmp(mode, "roles") == 0)
		rc = run_roles();
	else if (strcmp(mode, "finish-detach") == 0)
		rc = run_finish_detach();
	else if (strcmp(mode, "consumer-gone") == 0)
		rc = run_consumer_gone();
	else if (strcmp(mode, "create") == 0)
		rc = run_create();
	else if (strcmp(mode, "idle") == 0)
		rc = run_idle();
	else if (strcmp(mode, "wake") == 0)
		rc = run_wake();
	else {
		fprintf(stderr, "usage: %s fork-close|roles|finish-detach|consumer-gone|create|idle|wake\n", argv[0]);
		rc = 2;
	}
	rmdir(dir);
	return rc;
}
