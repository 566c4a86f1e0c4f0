/* SPDX-License-Identifier: MIT */
/*
 * The shm source: `sluiced --shm-input NAME` reads packets that another process writes into a
 * named sluice ring. It exists so that capture stacks sluice does not speak (a DPDK or
 * PF_RING program, a replay tool, a vendor's NIC library) can feed it at memory speed, with no
 * socket in between; the contract is include/sluice/record.h and nothing else.
 *
 * The producer is another program, so every record is checked before it goes further: a
 * record that is not SL_REC_PACKET, is shorter than struct sl_pkt_rec, claims more captured
 * bytes than it carries, a wire length below its captured length, or a link type sluice does
 * not decode is counted in ctr->errors and skipped (the first one is described in errbuf).
 *
 * The ring is the producer's: it may stop and start again (an upgrade, a crash) without the
 * stream being over. The ring library tells the two apart (include/sluice/ring.h): finish is the
 * end of the stream, a producer that closes without finishing or dies has only detached.
 *
 * Behaviour:
 *   start  opens the ring as its consumer; a missing ring is an error (start the producer
 *          first: sluice-pcap2shm creates the ring when it does not exist).
 *   run    peeks a batch, pushes the valid records, releases the batch; waits on the ring
 *          (sl_ring_wait_readable, WAIT_MS at a time so an interrupt is seen promptly) when
 *          it is empty. Ends (0) when the ring is drained and its producer finished, on
 *          interrupt, or when the pipeline refuses a packet (shutdown). When the producer
 *          detaches or dies without finishing:
 *            capture.shm.follow true (the default): the source stays, counts the producer
 *              absent (ctr->producer_absent, in the stats and the ledger) and polls every
 *              WAIT_MS for the next producer to attach; that one goes on where the last commit
 *              left off (ctr->producer_restarts), and its finish ends the input.
 *            false: ends (0) with a warning in errbuf.
 *          A ring that turns out corrupt (the producer scribbled on the indices or a record
 *          header) is fatal (-EPROTO, with sl_ring_validate's reason).
 *
 *     ┌──────────────┐ producer detaches / dies ┌──────────────────────┐
 *     │   reading    │ ───────────────────────▶ │ absent (follow only) │
 *     │              │ ◀─────────────────────── │ poll every WAIT_MS   │
 *     └──────────────┘  a new producer attaches └──────────────────────┘
 *        │ finished and drained, interrupt, shutdown: 0       │ interrupt: 0
 *        │ corrupt: -EPROTO                                   │
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "capture.h"
#include "shm.h"
#include "sluice/record.h"
#include "sluice/ring.h"

#define SHM_BATCH 64
#define WAIT_MS 100

struct shm_src {
	char name[SL_RING_NAME_MAX + 1];
	sl_ring *ring;
	bool follow;             /* capture.shm.follow */
	uint32_t attaches0;      /* producer attaches the ring had counted when we opened it */
	struct sl_rec recs[SHM_BATCH];
	_Atomic int interrupted; /* written by interrupt() (any thread), read by run() */
};

static int shm_init(const struct sl_module_env *env, void **state, char *errbuf, size_t errlen)
{
	const struct sl_capture_spec *spec = env->capture;
	struct shm_src *s;

	if (spec->name == NULL || spec->name[0] == '\0' || strlen(spec->name) > SL_RING_NAME_MAX ||
	    strchr(spec->name, '/') != NULL) {
		snprintf(errbuf, errlen, "shm: bad ring name '%s'", spec->name ? spec->name : "");
		return -EINVAL;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		snprintf(errbuf, errlen, "shm %s: out of memory", spec->name);
		return -ENOMEM;
	}
	snprintf(s->name, sizeof s->name, "%s", spec->name);
	/* No configuration (a program driving the module by hand): the key's default. */
	const struct sl_shm_conf *sc = env->cfg ? sl_conf_block(env->cfg, &sl__shm_conf) : NULL;
	s->follow = sc ? sc->follow : true;
	*state = s;
	return 0;
}

static int shm_start(void *state, char *errbuf, size_t errlen)
{
	struct shm_src *s = state;
	int err = sl_ring_open(s->name, SL_RING_CONSUMER, &s->ring);
	struct sl_ring_stats st;

	if (err == 0) {
		s->attaches0 = sl_ring_stats(s->ring, &st) == 0 ? st.producer_attaches : 0;
		return 0;
	}
	s->ring = NULL;
	snprintf(errbuf, errlen, "shm %s: sl_ring_open(consumer): %s%s", s->name, strerror(-err),
	         err == -ENOENT ? " (start the producer first; sluice-pcap2shm creates the ring)" :
	         err == -EBUSY  ? " (another consumer is attached)" : "");
	return err;
}

static int linktype_known(uint16_t lt)
{
	switch (lt) {
	case SL_LINK_NULL:
	case SL_LINK_ETHERNET:
	case SL_LINK_RAW:
	case SL_LINK_LINUX_SLL:
	case SL_LINK_IPV4:
	case SL_LINK_IPV6:
	case SL_LINK_LINUX_SLL2:
		return 1;
	}
	return 0;
}

/* NULL when rec is a packet sluice can take, else why not. */
static const char *check_record(const struct sl_rec *rec)
{
	const struct sl_pkt_rec *pr = rec->data;

	if (rec->type != SL_REC_PACKET)
		return "record type is not SL_REC_PACKET";
	if (rec->len < sizeof *pr)
		return "record shorter than struct sl_pkt_rec";
	if (pr->caplen > rec->len - sizeof *pr)
		return "caplen larger than the record";
	if (pr->wirelen < pr->caplen)
		return "wirelen smaller than caplen";
	if (!linktype_known(pr->linktype))
		return "unknown linktype";
	return NULL;
}

/* The first time the producer goes away: say who (the pid is for display only). */
static void note_absent(struct shm_src *s, char *errbuf, size_t errlen)
{
	struct sl_ring_stats st;

	if (errlen == 0 || errbuf[0] != '\0' || sl_ring_stats(s->ring, &st) != 0)
		return;
	if (st.producer_pid != 0)
		snprintf(errbuf, errlen, "shm %s: the producer (pid %d) died without finishing; %s", s->name,
		         (int)st.producer_pid, s->follow ? "waiting for the next one" : "read what it had committed");
	else
		snprintf(errbuf, errlen, "shm %s: the producer detached without finishing; %s", s->name,
		         s->follow ? "waiting for the next one" : "read what it had committed");
}

/* The producer's presence in the counters; restarts from the ring's own count of attaches. */
static int set_absent(struct shm_src *s, struct sl_capture_counters *ctr, int absent)
{
	struct sl_ring_stats st;

	if (sl_ring_stats(s->ring, &st) == 0 && st.producer_attaches > s->attaches0)
		atomic_store_explicit(&ctr->producer_restarts, st.producer_attaches - s->attaches0,
		                      memory_order_relaxed);
	atomic_store_explicit(&ctr->producer_absent, (uint64_t)absent, memory_order_relaxed);
	return absent;
}

static int shm_run(void *state, struct sl_capture_out *out, struct sl_capture_counters *ctr, char *errbuf,
                   size_t errlen)
{
	struct shm_src *s = state;
	uint64_t packets = 0, bytes = 0, errors = 0;
	int ret = 0, absent = 0;

	if (errlen)
		errbuf[0] = '\0';
	if (s->ring == NULL) {
		snprintf(errbuf, errlen, "shm %s: not started", s->name);
		return -EBADF;
	}
	while (!atomic_load_explicit(&s->interrupted, memory_order_relaxed)) {
		size_t n = sl_ring_peek(s->ring, s->recs, SHM_BATCH);

		if (n == 0) {
			sl_capture_flush(out);
			int rc = sl_ring_wait_readable(s->ring, WAIT_MS);
			if (rc != -ENOTCONN && absent)
				absent = set_absent(s, ctr, 0); /* 0 or -ETIMEDOUT: attached, maybe idle */
			if (rc == -ETIMEDOUT)
				continue;
			if (rc == -EPIPE)
				break; /* finished: the end of the stream */
			if (rc == -ENOTCONN) {
				if (!absent)
					note_absent(s, errbuf, errlen);
				if (!s->follow)
					break;
				if (!absent)
					absent = set_absent(s, ctr, 1);
				/* Nothing to wait on until a producer attaches: poll for one. */
				nanosleep(&(struct timespec){ .tv_nsec = WAIT_MS * 1000000L }, NULL);
				continue;
			}
			if (rc == -EPROTO) {
				/* The producer scribbled on the indices or a record header: nothing after
				 * it can be trusted. */
				char why[256] = "";
				sl_ring_validate(s->ring, why, sizeof why);
				snprintf(errbuf, errlen, "shm %s: ring corrupt: %s", s->name,
				         why[0] ? why : "a record overruns the committed data");
				atomic_store_explicit(&ctr->errors, ++errors, memory_order_relaxed);
				ret = -EPROTO;
				break;
			}
			if (rc != 0) {
				snprintf(errbuf, errlen, "shm %s: sl_ring_wait_readable: %s", s->name, strerror(-rc));
				ret = rc;
				break;
			}
			continue;
		}
		if (absent)
			absent = set_absent(s, ctr, 0); /* a producer came and committed */
		int refused = 0;
		size_t i;
		for (i = 0; i < n; i++) {
			const char *why = check_record(&s->recs[i]);
			if (why != NULL) {
				if (errors++ == 0 && errlen)
					snprintf(errbuf, errlen, "shm %s: bad record after %" PRIu64 " packets: %s",
					         s->name, packets, why);
				continue;
			}
			const struct sl_pkt_rec *pr = s->recs[i].data;
			if (sl_capture_push(out, pr->ts_ns, pr->data, pr->caplen, pr->wirelen, pr->linktype) < 0) {
				refused = 1;
				break;
			}
			packets++;
			bytes += pr->caplen;
		}
		sl_capture_flush(out);
		/* The pushes copied the packets; what was handled goes back to the producer (a
		 * refused record stays for whoever consumes next). */
		sl_ring_release(s->ring, i);
		atomic_store_explicit(&ctr->packets, packets, memory_order_relaxed);
		atomic_store_explicit(&ctr->bytes, bytes, memory_order_relaxed);
		atomic_store_explicit(&ctr->errors, errors, memory_order_relaxed);
		if (refused)
			break;
	}
	sl_capture_flush(out);
	if (errors > 1 && errlen && ret == 0) {
		size_t len = strlen(errbuf);
		snprintf(errbuf + len, errlen - len, " (%" PRIu64 " bad records in all)", errors);
	}
	return ret;
}

static void shm_interrupt(void *state)
{
	struct shm_src *s = state;
	if (s)
		atomic_store_explicit(&s->interrupted, 1, memory_order_relaxed);
}

static void shm_stop(void *state)
{
	struct shm_src *s = state;
	sl_ring_close(s->ring); /* gives up the consumer role: another consumer may attach */
	s->ring = NULL;
}

static void shm_fini(void *state)
{
	struct shm_src *s = state;
	if (s == NULL)
		return;
	sl_ring_close(s->ring);
	free(s);
}

const struct sl_module sl__capture_shm = {
	.name = "shm",
	.kind = SL_MODULE_CAPTURE,
	.conf = &sl__shm_conf,
	.init = shm_init,
	.start = shm_start,
	.run = shm_run,
	.interrupt = shm_interrupt,
	.stop = shm_stop,
	.fini = shm_fini,
};
