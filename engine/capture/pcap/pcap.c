/* SPDX-License-Identifier: MIT */
/*
 * The pcap/pcapng file source: `sluiced -r FILE...`. It exists so that offline analysis goes
 * through exactly the path live traffic takes; libpcap does the parsing (both formats, both
 * byte orders, micro- and nanosecond files), this file adds what the engine needs around it:
 * several files read in order as one input, link types normalized to the numbers
 * include/sluice/record.h promises, a progress figure in bytes, and damaged files that yield
 * what was readable instead of ending the run.
 *
 * Behaviour:
 *   start  checks every file before anything is read (exists, is a capture file, has a link
 *          type sluice decodes), so a typo in the last -r fails at once, not after an hour.
 *   run    reads the files in order. A file that turns out damaged (truncated, corrupt
 *          record) gives the packets before the damage; the error is counted in ctr->errors,
 *          described in errbuf (the first one, naming the file) and the next file is read.
 *          Returns 0 at the end of the last file, after interrupt() (checked between
 *          packets), or when the pipeline
 *          refuses a packet because it is shutting down.
 *
 * Reads go through a 1 MiB stdio buffer of our own, so a file costs one read() per MiB and
 * nothing per packet; pcap_next_ex() hands out the packet in libpcap's buffer and
 * sl_capture_push() copies it once into the worker's ring.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "sluice/err.h"
#include "sluice/record.h"

#define PCAP_IOBUF (1u << 20)
/* How often (in packets) the shared counters and the progress figure are brought up to date. */
#define PCAP_PUBLISH_EVERY 1024u

struct pcap_src {
	char **paths;        /* owned copies, NULL-terminated */
	size_t npaths;
	uint64_t *sizes;     /* bytes of each file, 0 when it is not a regular file */
	uint64_t total;
	char *iobuf;         /* stdio buffer of the file being read */
	_Atomic int interrupted; /* written by interrupt() (any thread), read by run() */
};

/* libpcap's DLT for a file, mapped to the link type numbers of record.h; -1 if unsupported.
 * libpcap turns LINKTYPE_RAW (101) into its platform's DLT_RAW (12, or 14 on OpenBSD), so
 * all of them mean raw IP here. */
int sl_capture_linktype(int dlt)
{
	switch (dlt) {
	case DLT_NULL:
		return SL_LINK_NULL;
	case DLT_EN10MB:
		return SL_LINK_ETHERNET;
	case 12:
	case 14:
	case 101:
		return SL_LINK_RAW;
	case DLT_LINUX_SLL:
		return SL_LINK_LINUX_SLL;
	case 228:
		return SL_LINK_IPV4;
	case 229:
		return SL_LINK_IPV6;
	case 276:
		return SL_LINK_LINUX_SLL2;
	default:
		return -1;
	}
}

static void pcap_src_free(struct pcap_src *s)
{
	if (s == NULL)
		return;
	if (s->paths)
		for (size_t i = 0; i < s->npaths; i++)
			free(s->paths[i]);
	free(s->paths);
	free(s->sizes);
	free(s->iobuf);
	free(s);
}

static int file_init(const struct sl_module_env *env, void **state, char *errbuf, size_t errlen)
{
	const struct sl_capture_spec *spec = env->capture;
	struct pcap_src *s;
	size_t n = 0;

	if (spec->paths == NULL || spec->paths[0] == NULL) {
		snprintf(errbuf, errlen, "pcap: no input file given");
		return -EINVAL;
	}
	while (spec->paths[n] != NULL)
		n++;
	if ((s = calloc(1, sizeof *s)) == NULL)
		goto nomem;
	s->npaths = n;
	if ((s->paths = calloc(n + 1, sizeof *s->paths)) == NULL ||
	    (s->sizes = calloc(n, sizeof *s->sizes)) == NULL || (s->iobuf = malloc(PCAP_IOBUF)) == NULL)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		if ((s->paths[i] = strdup(spec->paths[i])) == NULL)
			goto nomem;
	*state = s;
	return 0;
nomem:
	pcap_src_free(s);
	snprintf(errbuf, errlen, "pcap: out of memory");
	return -ENOMEM;
}

/* Opens path for reading through s->iobuf; "-" is standard input. On failure, errbuf names
 * the file and what went wrong. */
static pcap_t *open_file(struct pcap_src *s, const char *path, char *errbuf, size_t errlen, int *err)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	FILE *f;
	pcap_t *p;

	if (strcmp(path, "-") == 0) {
		f = stdin;
	} else if ((f = fopen(path, "rb")) == NULL) {
		*err = -errno;
		snprintf(errbuf, errlen, "pcap %s: fopen: %s", path, strerror(-*err));
		return NULL;
	}
	/* Must precede the first read, which pcap_fopen_offline does. */
	setvbuf(f, s->iobuf, _IOFBF, PCAP_IOBUF);
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (p == NULL) {
		if (f != stdin)
			fclose(f);
		*err = -EPROTO;
		snprintf(errbuf, errlen, "pcap %s: pcap_fopen_offline: %s", path, perr);
		return NULL;
	}
	return p;
}

static int file_start(void *state, char *errbuf, size_t errlen)
{
	struct pcap_src *s = state;
	int err = 0;

	s->total = 0;
	for (size_t i = 0; i < s->npaths; i++) {
		const char *path = s->paths[i];
		struct stat st;
		pcap_t *p;

		if (strcmp(path, "-") == 0) {
			s->sizes[i] = 0; /* read once, in run; nothing to check ahead */
			continue;
		}
		if (stat(path, &st) != 0) {
			err = -errno;
			snprintf(errbuf, errlen, "pcap %s: stat: %s", path, strerror(-err));
			return err;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(errbuf, errlen, "pcap %s: is a directory", path);
			return -EISDIR;
		}
		s->sizes[i] = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
		s->total += s->sizes[i];
		if (!S_ISREG(st.st_mode))
			continue; /* a fifo can be opened only once */
		if ((p = open_file(s, path, errbuf, errlen, &err)) == NULL)
			return err;
		int dlt = pcap_datalink(p);
		pcap_close(p);
		if (sl_capture_linktype(dlt) < 0) {
			const char *dn = pcap_datalink_val_to_name(dlt);
			snprintf(errbuf, errlen, "pcap %s: link type %d (%s) is not supported", path, dlt,
			         dn ? dn : "unknown");
			return SL_ELINKTYPE;
		}
	}
	return 0;
}

/* Pre-1970 times: the classic pcap header's seconds are unsigned (the format runs to 2106),
 * but libpcap hands them to us through a signed time_t. */
static inline uint64_t ts_ns(const struct pcap_pkthdr *h)
{
	int64_t sec = (int64_t)h->ts.tv_sec;
	if (sec < 0)
		sec += (int64_t)1 << 32;
	return (uint64_t)sec * 1000000000u + (uint64_t)h->ts.tv_usec;
}

static void publish(struct sl_capture_counters *ctr, uint64_t packets, uint64_t bytes, uint64_t done)
{
	atomic_store_explicit(&ctr->packets, packets, memory_order_relaxed);
	atomic_store_explicit(&ctr->bytes, bytes, memory_order_relaxed);
	atomic_store_explicit(&ctr->progress_done, done, memory_order_relaxed);
}

/* Records the first error in errbuf, counts every one. */
static void note_error(struct sl_capture_counters *ctr, uint64_t *errors, char *errbuf, size_t errlen,
                       const char *msg)
{
	if (*errors == 0 && errlen)
		snprintf(errbuf, errlen, "%s", msg);
	(*errors)++;
	atomic_store_explicit(&ctr->errors, *errors, memory_order_relaxed);
}

static int file_run(void *state, struct sl_capture_out *out, struct sl_capture_counters *ctr, char *errbuf,
                    size_t errlen)
{
	struct pcap_src *s = state;
	uint64_t packets = 0, bytes = 0, errors = 0, base = 0;
	char msg[PCAP_ERRBUF_SIZE + 512];
	int quit = 0;

	if (errlen)
		errbuf[0] = '\0';
	atomic_store_explicit(&ctr->progress_total, s->total, memory_order_relaxed);
	publish(ctr, 0, 0, 0);

	for (size_t i = 0; i < s->npaths && !quit; base += s->sizes[i], i++) {
		const char *path = s->paths[i];
		struct pcap_pkthdr *h;
		const u_char *data;
		uint64_t in_file = 0;
		int err = 0, rc, lt;
		pcap_t *p;

		if (atomic_load_explicit(&s->interrupted, memory_order_relaxed))
			break;
		if ((p = open_file(s, path, msg, sizeof msg, &err)) == NULL) {
			note_error(ctr, &errors, errbuf, errlen, msg);
			continue;
		}
		if ((lt = sl_capture_linktype(pcap_datalink(p))) < 0) {
			snprintf(msg, sizeof msg, "pcap %s: link type %d is not supported", path,
			         pcap_datalink(p));
			note_error(ctr, &errors, errbuf, errlen, msg);
			pcap_close(p);
			continue;
		}
		FILE *f = pcap_file(p);

		for (;;) {
			if (atomic_load_explicit(&s->interrupted, memory_order_relaxed)) {
				quit = 1;
				break;
			}
			rc = pcap_next_ex(p, &h, &data);
			if (rc == PCAP_ERROR_BREAK)
				break; /* end of file */
			if (rc == PCAP_ERROR) {
				snprintf(msg, sizeof msg, "pcap %s: pcap_next_ex: %s (after packet %" PRIu64 ")",
				         path, pcap_geterr(p), in_file);
				note_error(ctr, &errors, errbuf, errlen, msg);
				break;
			}
			if (rc != 1)
				continue;
			uint32_t caplen = h->caplen;
			uint32_t wirelen = h->len < caplen ? caplen : h->len;
			in_file++;
			if (sl_capture_push(out, ts_ns(h), data, caplen, wirelen, (uint16_t)lt) < 0) {
				quit = 1; /* the pipeline is shutting down */
				break;
			}
			packets++;
			bytes += caplen;
			if (packets % PCAP_PUBLISH_EVERY == 0) {
				long pos = f ? ftell(f) : -1;
				sl_capture_flush(out);
				publish(ctr, packets, bytes, base + (pos > 0 ? (uint64_t)pos : 0));
			}
		}
		pcap_close(p);
		sl_capture_flush(out);
		publish(ctr, packets, bytes, quit ? base : base + s->sizes[i]);
	}
	if (quit)
		sl_capture_flush(out);
	if (errors > 1 && errlen) {
		size_t len = strlen(errbuf);
		snprintf(errbuf + len, errlen - len, " (%" PRIu64 " errors in all)", errors);
	}
	return 0;
}

/* Any thread: run sees the flag before its next packet. */
static void file_interrupt(void *state)
{
	struct pcap_src *s = state;
	if (s)
		atomic_store_explicit(&s->interrupted, 1, memory_order_relaxed); /* no data rides on it */
}

static void file_stop(void *state)
{
	(void)state; /* run closes each file before it returns */
}

static void file_fini(void *state)
{
	pcap_src_free(state);
}

const struct sl_module sl__capture_pcap = {
	.name = "pcap",
	.kind = SL_MODULE_CAPTURE,
	.init = file_init,
	.start = file_start,
	.run = file_run,
	.interrupt = file_interrupt,
	.stop = file_stop,
	.fini = file_fini,
};
