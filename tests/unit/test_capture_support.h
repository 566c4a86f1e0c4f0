/* SPDX-License-Identifier: MIT */
/*
 * What the capture tests share: a stand-in for the pipeline's side of sl_capture_push() that
 * records every packet a source pushes (the real one lives in engine/pipeline.c, which the
 * capture library must not depend on), a runner for a source's whole lifecycle, an independent
 * reader of classic pcap files to check libpcap's results against, and temp-dir helpers.
 */
#ifndef SLUICE_TEST_CAPTURE_SUPPORT_H
#define SLUICE_TEST_CAPTURE_SUPPORT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"

struct cap_pkt {
	uint64_t ts_ns;
	uint32_t caplen, wirelen;
	uint16_t linktype;
	uint8_t *data;
};

struct cap_list {
	struct cap_pkt *pkts;
	size_t n, cap;
};

struct sl_capture_out {
	struct cap_list got;
	uint64_t flushes;
	uint64_t stop_after;   /* interrupt the source after this many pushes (0: never) */
	_Atomic int *stop;     /* unused by the sources now; kept for the tests that pass one */
	const struct sl_module *mod; /* the source being run, for interrupt() (set by the runner) */
	void *_Atomic state;         /* its state, once init gave one */
	uint64_t refuse_after; /* from this many pushes on, refuse with -ESHUTDOWN (0: never) */
	uint64_t refused;
};

void cap_list_add(struct cap_list *l, uint64_t ts, const uint8_t *p, uint32_t caplen, uint32_t wirelen,
                  uint16_t linktype);
void cap_list_free(struct cap_list *l);
/* 0 when equal; otherwise prints the first difference under label and returns -1. */
int cap_list_compare(const struct cap_list *a, const struct cap_list *b, const char *label);

/* Calls the running source's interrupt() from any thread; waits (bounded) for the runner to
 * have published the source's state. */
void cap_interrupt(struct sl_capture_out *out);

/* init → start → run → stop → fini on a fresh out. Returns the first nonzero result; *phase
 * says which hook gave it ("init", "start", "run", or "" when all returned 0). */
int cap_run(const char *kind, const struct sl_capture_spec *spec, struct sl_capture_out *out,
            struct sl_capture_counters *ctr, _Atomic int *stop, char *errbuf, size_t errlen,
            const char **phase);

/* Independent classic-pcap reader (both byte orders, micro/nano). 0 or -1. With max_bytes,
 * reads only the packets wholly inside the first max_bytes of the file. */
int pcap_parse_file(const char *path, struct cap_list *out, uint16_t *linktype, uint64_t max_bytes);
/* Byte offset of record idx (0-based) in a classic pcap file, or -1. */
long pcap_record_offset(const char *path, size_t idx);

/* A fresh directory under $TMPDIR; rm -r'd by tmpdir_remove. */
int tmpdir_make(char *buf, size_t len, const char *tag);
void tmpdir_remove(const char *dir);
int copy_prefix(const char *src, const char *dst, long bytes); /* bytes < 0: all */
int file_equal(const char *a, const char *b);
long file_size(const char *path);
int have_program(const char *name);

/* The manifest of the pcap corpus: file (relative to the corpus dir), packets, DLT. */
struct corpus_entry {
	char file[256];
	long packets;
	int dlt;
	long size;
};
int corpus_load(const char *dir, struct corpus_entry *out, size_t max);

#endif
