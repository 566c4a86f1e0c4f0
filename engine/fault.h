/* SPDX-License-Identifier: MIT */
/*
 * A test hook that proves the ledger can fail: with SLUICE_TEST_LOSE=HOP in the environment,
 * the producer side of that hop counts one record more than it hands over, exactly once, as if
 * a record were lost in transit (for the sink: its module loses one it took). The ledger compares the counts each side keeps, so sluiced must
 * then name that hop and exit 3. Inert otherwise (one predictable branch per record).
 *
 *   HOP       the producer that over-counts
 *   capture   a capture thread's push into a worker ring
 *   worker    a worker's emit into its ring to the router
 *   router    the router's copy into a sink ring
 *   sink      a sink's module: one record it took is neither delivered nor dropped
 *   stats     the main thread's commit into its ring to the router (stats records)
 */
#ifndef SLUICE_FAULT_H
#define SLUICE_FAULT_H

#include <stdatomic.h>

enum sl_fault_hop { SL_FAULT_NONE = 0, SL_FAULT_CAPTURE, SL_FAULT_WORKER, SL_FAULT_ROUTER, SL_FAULT_SINK,
		   SL_FAULT_STATS };

extern int sl__fault_hop;               /* set once at start, before any thread */
extern _Atomic int sl__fault_armed;     /* 1 until the fault has fired */

/* 1 exactly once, at the hop chosen. */
static inline int sl__fault(enum sl_fault_hop hop)
{
	if (__builtin_expect(sl__fault_hop == (int)hop, 0))
		return atomic_exchange_explicit(&sl__fault_armed, 0, memory_order_relaxed);
	return 0;
}

/* Reads SLUICE_TEST_LOSE; 0, or -EINVAL for a name that is not a hop. */
int sl__fault_init(void);

#endif
