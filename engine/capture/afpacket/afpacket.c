/* SPDX-License-Identifier: MIT */
/*
 * The live source: an interface read through AF_PACKET with a TPACKET_V3 memory-mapped ring.
 * It exists because a sensor on a mirror port must not pay a syscall or a copy per packet to
 * the kernel: the kernel fills whole blocks of packets in memory we share with it, we walk a
 * block when it is handed over and give it back; poll() is called only when the next block is
 * not ready. Several capture threads share one interface through PACKET_FANOUT (hash of the
 * flow by default, with defragmentation so fragments follow their flow), each with its own ring.
 *
 * Block ownership (the kernel and this thread hand each block back and forth):
 *
 *      kernel fills ──(block_status |= TP_STATUS_USER)──▶ we walk it, push every packet
 *            ▲                                                        │
 *            └────────────(block_status = TP_STATUS_KERNEL)───────────┘
 *
 * Invariants:
 *   1. We touch only the block at `cur`, and only while its status has TP_STATUS_USER.
 *   2. Blocks are handed back in ring order, so the kernel's next block is always ours next.
 *   3. Kernel statistics reset when read: every read is added to our totals.
 *
 * Stopping (any thread may ask while run() walks a block):
 *   interrupt  sets `interrupted` and writes the eventfd that run() polls beside the socket;
 *              it touches neither the socket nor the ring, so run() can never lose them.
 *   stop       (capture thread, after run returned) unmaps the ring and closes the socket.
 *   fini       (main, after the join) closes what is left and the eventfd, frees the state.
 * The eventfd lives from init to fini, so an interrupt that races with stop writes to our own
 * descriptor, never to a closed (and perhaps reused) number.
 *
 * Behaviour: run returns 0 promptly after interrupt() (the eventfd wakes its poll), or when the pipeline
 * refuses a packet because it is shutting down. A live interface has no end of input. Kernel
 * drops are read about once a second and at the end into ctr->kernel_drops; if there were
 * any, errbuf says so as a warning.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "afpacket.h"
#include "sluice/err.h"
#include "sluice/record.h"

#define AFP_BLOCK_SIZE (1u << 20)
#define AFP_BLOCK_COUNT 64u
#define AFP_BLOCK_TMO_MS 10u
#define AFP_FRAME_SIZE 2048u /* V3 frames are variable; the kernel only checks the arithmetic */
#define POLL_MS 100
#define STATS_EVERY_NS 1000000000LL

#ifndef ARPHRD_RAWIP
#define ARPHRD_RAWIP 519
#endif

struct afp_src {
	char ifname[IF_NAMESIZE];
	uint32_t snaplen, block_size, block_count, block_tmo;
	int fanout;            /* nonzero: join a fanout group */
	uint32_t fanout_arg;   /* group id | (mode | flags) << 16 */
	int promisc;

	int fd;
	uint8_t *map;
	size_t map_len;
	int ifindex;
	uint16_t linktype;
	int skip_outgoing;     /* loopback without PACKET_IGNORE_OUTGOING: drop our echo by hand */
	uint8_t *vlan_buf;     /* a frame with its stripped 802.1Q tag put back */
	int efd;               /* eventfd interrupt() writes, init to fini */
	_Atomic int interrupted; /* written by interrupt() (any thread), read by run() */

	uint64_t k_packets, k_drops, k_freezes; /* PACKET_STATISTICS totals */
};

static int parse_fanout_mode(const char *mode, uint32_t *out)
{
	static const struct {
		const char *name;
		uint32_t val;
	} modes[] = {
		{ "hash", PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG },
		{ "lb", PACKET_FANOUT_LB },
		{ "cpu", PACKET_FANOUT_CPU },
		{ "rollover", PACKET_FANOUT_ROLLOVER },
		{ "random", PACKET_FANOUT_RND },
		{ "qm", PACKET_FANOUT_QM },
	};
	if (mode == NULL || mode[0] == '\0')
		mode = "hash";
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(modes[i].name, mode) == 0) {
			*out = modes[i].val;
			return 0;
		}
	return -EINVAL;
}

static int afp_init(const struct sl_module_env *env, void **state, char *errbuf, size_t errlen)
{
	const struct sl_capture_spec *spec = env->capture;
	long page = sysconf(_SC_PAGESIZE);
	struct afp_src *s;
	uint32_t mode;

	if (spec->name == NULL || spec->name[0] == '\0' || strlen(spec->name) >= IF_NAMESIZE) {
		snprintf(errbuf, errlen, "afpacket: bad interface name '%s'", spec->name ? spec->name : "");
		return -EINVAL;
	}
	if (parse_fanout_mode(spec->afpacket.fanout_mode, &mode) != 0) {
		snprintf(errbuf, errlen, "afpacket %s: unknown fanout mode '%s' (hash, lb, cpu, rollover, "
		         "random, qm)", spec->name, spec->afpacket.fanout_mode);
		return -EINVAL;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		snprintf(errbuf, errlen, "afpacket %s: out of memory", spec->name);
		return -ENOMEM;
	}
	s->fd = -1;
	snprintf(s->ifname, sizeof s->ifname, "%s", spec->name);
	s->snaplen = spec->snaplen;
	s->block_size = spec->afpacket.block_size ? spec->afpacket.block_size : AFP_BLOCK_SIZE;
	s->block_count = spec->afpacket.block_count ? spec->afpacket.block_count : AFP_BLOCK_COUNT;
	s->block_tmo = spec->afpacket.block_timeout_ms ? spec->afpacket.block_timeout_ms : AFP_BLOCK_TMO_MS;
	s->promisc = spec->afpacket.promisc;
	if (page <= 0 || s->block_size % (uint32_t)page != 0 || s->block_size < AFP_FRAME_SIZE ||
	    (uint64_t)s->block_size * s->block_count > ((uint64_t)1 << 40)) {
		snprintf(errbuf, errlen, "afpacket %s: block size %u is not a multiple of the page size "
		         "(%ld), or the ring is absurdly large", s->ifname, s->block_size, page);
		free(s);
		return -EINVAL;
	}
	/* The members of one sluiced share a group; without an id from the config, the pid makes
	 * one that another process will not pick by accident. */
	uint16_t group = spec->afpacket.fanout_group ? spec->afpacket.fanout_group
	                                             : (uint16_t)(getpid() & 0xffff);
	s->fanout = spec->count > 1 || spec->afpacket.fanout_group != 0;
	s->fanout_arg = (uint32_t)group | (mode << 16);
	/* The largest frame the kernel can put in one block, plus the tag we may put back. */
	if ((s->vlan_buf = malloc(s->block_size + 4)) == NULL) {
		free(s);
		snprintf(errbuf, errlen, "afpacket %s: out of memory", spec->name);
		return -ENOMEM;
	}
	if ((s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		int err = -errno;
		snprintf(errbuf, errlen, "afpacket %s: eventfd: %s", spec->name, strerror(-err));
		free(s->vlan_buf);
		free(s);
		return err;
	}
	*state = s;
	return 0;
}

static void afp_close(struct afp_src *s)
{
	if (s->map) {
		munmap(s->map, s->map_len);
		s->map = NULL;
	}
	if (s->fd >= 0) {
		close(s->fd); /* also leaves the fanout group and drops the promiscuous membership */
		s->fd = -1;
	}
}

#define FAIL(call)                                                                              \
	do {                                                                                    \
		err = -errno;                                                                   \
		snprintf(errbuf, errlen, "afpacket %s: %s: %s", s->ifname, call, strerror(-err)); \
		goto fail;                                                                      \
	} while (0)

static int afp_start(void *state, char *errbuf, size_t errlen)
{
	struct afp_src *s = state;
	struct ifreq ifr;
	int err, one = 1, ver = TPACKET_V3;

	/* Protocol 0: nothing arrives until bind(), after the ring exists. */
	if ((s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) < 0)
		FAIL("socket(AF_PACKET)");
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", s->ifname);
	if (ioctl(s->fd, SIOCGIFINDEX, &ifr) != 0)
		FAIL("ioctl(SIOCGIFINDEX)");
	s->ifindex = ifr.ifr_ifindex;
	if (ioctl(s->fd, SIOCGIFHWADDR, &ifr) != 0)
		FAIL("ioctl(SIOCGIFHWADDR)");
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
		s->linktype = SL_LINK_ETHERNET;
		break;
	case ARPHRD_LOOPBACK: /* Linux loopback frames are Ethernet with zero MACs */
		s->linktype = SL_LINK_ETHERNET;
		/* Every packet on lo is seen leaving and arriving; keep one copy, as libpcap does. */
		if (setsockopt(s->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) != 0)
			s->skip_outgoing = 1;
		break;
	case ARPHRD_NONE:  /* tun devices: IP with no link header */
	case ARPHRD_RAWIP:
		s->linktype = SL_LINK_RAW;
		break;
	default:
		snprintf(errbuf, errlen, "afpacket %s: interface hardware type %u is not supported "
		         "(Ethernet, loopback, raw IP)", s->ifname, (unsigned)ifr.ifr_hwaddr.sa_family);
		err = SL_ELINKTYPE;
		goto fail;
	}
	if (setsockopt(s->fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof ver) != 0)
		FAIL("setsockopt(PACKET_VERSION, TPACKET_V3)");
	if (s->snaplen) {
		/* A one-instruction filter "accept snaplen bytes": the kernel copies no more. */
		struct sock_filter ins = BPF_STMT(BPF_RET | BPF_K, s->snaplen);
		struct sock_fprog prog = { .len = 1, .filter = &ins };
		if (setsockopt(s->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0)
			FAIL("setsockopt(SO_ATTACH_FILTER)");
	}

	struct tpacket_req3 req = {
		.tp_block_size = s->block_size,
		.tp_block_nr = s->block_count,
		.tp_frame_size = AFP_FRAME_SIZE,
		.tp_frame_nr = (s->block_size / AFP_FRAME_SIZE) * s->block_count,
		.tp_retire_blk_tov = s->block_tmo,
	};
	if (setsockopt(s->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0)
		FAIL("setsockopt(PACKET_RX_RING)");
	s->map_len = (size_t)s->block_size * s->block_count;
	s->map = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, s->fd, 0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		FAIL("mmap(rx ring)");
	}

	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = s->ifindex,
	};
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof sll) != 0)
		FAIL("bind");
	if (s->promisc) {
		struct packet_mreq mr = { .mr_ifindex = s->ifindex, .mr_type = PACKET_MR_PROMISC };
		if (setsockopt(s->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) != 0)
			FAIL("setsockopt(PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC)");
	}
	if (s->fanout && setsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &s->fanout_arg, sizeof s->fanout_arg) != 0)
		FAIL("setsockopt(PACKET_FANOUT)");
	return 0;
fail:
	afp_close(s);
	return err;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* PACKET_STATISTICS resets the kernel's counters on every read: accumulate. */
static void read_stats(struct afp_src *s, struct sl_capture_counters *ctr)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof st;

	if (s->fd < 0 || getsockopt(s->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0)
		return;
	s->k_packets += st.tp_packets; /* includes the drops */
	s->k_drops += st.tp_drops;
	s->k_freezes += st.tp_freeze_q_cnt;
	atomic_store_explicit(&ctr->kernel_drops, s->k_drops, memory_order_relaxed);
}

/* The block's status word is shared with the kernel; C11 has no atomic view of a plain field,
 * so we take one through a cast (the word is naturally aligned). */
static inline uint32_t block_status_acquire(struct tpacket_block_desc *bd)
{
	/* acquire: pairs with the kernel's smp_wmb()-then-store of TP_STATUS_USER in
	 * prb_close_block(), so the packets are visible once the status is */
	return atomic_load_explicit((_Atomic uint32_t *)&bd->hdr.bh1.block_status, memory_order_acquire);
}

static inline void block_status_release(struct tpacket_block_desc *bd)
{
	/* release: our reads of the block happen before the kernel (which checks the status
	 * before it fills the block again) may overwrite it */
	atomic_store_explicit((_Atomic uint32_t *)&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
	                      memory_order_release);
}

/* Push every packet of a block. Returns -1 when the pipeline refused a packet (shutdown). */
static int walk_block(struct afp_src *s, struct tpacket_block_desc *bd, struct sl_capture_out *out,
                      uint64_t *packets, uint64_t *bytes)
{
	uint32_t n = bd->hdr.bh1.num_pkts;
	const uint8_t *p = (const uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;

	for (uint32_t i = 0; i < n; i++) {
		const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)p;
		const uint8_t *frame = p + h->tp_mac;
		uint32_t caplen = h->tp_snaplen, wirelen = h->tp_len;
		uint64_t ts = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;

		p += h->tp_next_offset;
		if (s->skip_outgoing) {
			const struct sockaddr_ll *ll =
			        (const struct sockaddr_ll *)((const uint8_t *)h + TPACKET_ALIGN(sizeof *h));
			if (ll->sll_pkttype == PACKET_OUTGOING)
				continue;
		}
		if ((h->tp_status & TP_STATUS_VLAN_VALID) && s->linktype == SL_LINK_ETHERNET && caplen >= 12) {
			/* The NIC or the kernel took the 802.1Q tag off; the workers want the frame as
			 * it was on the wire. */
			uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid : ETH_P_8021Q;
			uint8_t *b = s->vlan_buf;
			memcpy(b, frame, 12);
			b[12] = (uint8_t)(tpid >> 8);
			b[13] = (uint8_t)tpid;
			b[14] = (uint8_t)(h->hv1.tp_vlan_tci >> 8);
			b[15] = (uint8_t)h->hv1.tp_vlan_tci;
			memcpy(b + 16, frame + 12, caplen - 12);
			frame = b;
			caplen += 4;
			wirelen += 4;
		}
		if (sl_capture_push(out, ts, frame, caplen, wirelen, s->linktype) < 0)
			return -1;
		(*packets)++;
		*bytes += caplen;
	}
	return 0;
}

static int afp_run(void *state, struct sl_capture_out *out, struct sl_capture_counters *ctr, char *errbuf,
                   size_t errlen)
{
	struct afp_src *s = state;
	uint64_t packets = 0, bytes = 0, errors = 0;
	int64_t next_stats = mono_ns() + STATS_EVERY_NS;
	unsigned cur = 0;
	int ret = 0;

	if (errlen)
		errbuf[0] = '\0';
	if (s->fd < 0 || s->map == NULL) {
		snprintf(errbuf, errlen, "afpacket %s: not started", s->ifname);
		return -EBADF;
	}
	/* relaxed: the flag carries no data; the eventfd wakes the poll */
	while (!atomic_load_explicit(&s->interrupted, memory_order_relaxed)) {
		struct tpacket_block_desc *bd =
		        (struct tpacket_block_desc *)(s->map + (size_t)cur * s->block_size);

		if (!(block_status_acquire(bd) & TP_STATUS_USER)) {
			struct pollfd pfd[2] = { { .fd = s->fd, .events = POLLIN | POLLERR },
			                         { .fd = s->efd, .events = POLLIN } };

			sl_capture_flush(out); /* the input went idle: publish what we have */
			if (mono_ns() >= next_stats) {
				read_stats(s, ctr);
				next_stats = mono_ns() + STATS_EVERY_NS;
			}
			int rc = poll(pfd, 2, POLL_MS);
			if (rc < 0 && errno != EINTR) {
				ret = -errno;
				snprintf(errbuf, errlen, "afpacket %s: poll: %s", s->ifname, strerror(errno));
				break;
			}
			if (rc > 0 && (pfd[0].revents & POLLERR)) {
				/* e.g. ENETDOWN when the interface goes down: clear it, count it, wait on. */
				int soerr = 0;
				socklen_t sl = sizeof soerr;
				getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
				if (soerr) {
					if (errors++ == 0)
						snprintf(errbuf, errlen, "afpacket %s: socket error: %s", s->ifname,
						         strerror(soerr));
					atomic_store_explicit(&ctr->errors, errors, memory_order_relaxed);
				}
			}
			continue;
		}
		int refused = walk_block(s, bd, out, &packets, &bytes);
		block_status_release(bd);
		cur = (cur + 1) % s->block_count;
		sl_capture_flush(out);
		atomic_store_explicit(&ctr->packets, packets, memory_order_relaxed);
		atomic_store_explicit(&ctr->bytes, bytes, memory_order_relaxed);
		if (refused)
			break;
		if (mono_ns() >= next_stats) {
			read_stats(s, ctr);
			next_stats = mono_ns() + STATS_EVERY_NS;
		}
	}
	sl_capture_flush(out);
	read_stats(s, ctr);
	if (ret == 0 && s->k_drops && errlen && errbuf[0] == '\0')
		snprintf(errbuf, errlen, "afpacket %s: the kernel dropped %" PRIu64 " of %" PRIu64
		         " packets (ring full %" PRIu64 " times): more blocks or more threads", s->ifname,
		         s->k_drops, s->k_packets, s->k_freezes);
	return ret;
}

/* Any thread, any time between init and fini: a flag and an eventfd write, nothing freed. */
static void afp_interrupt(void *state)
{
	struct afp_src *s = state;
	uint64_t one = 1;

	if (s == NULL)
		return;
	atomic_store_explicit(&s->interrupted, 1, memory_order_relaxed);
	/* the counter only grows; a full one (EAGAIN) still wakes the poll */
	if (write(s->efd, &one, sizeof one) < 0) {
		/* nothing to do: run() also sees the flag within POLL_MS */
	}
}

/* The capture thread, after run returned: only now may the ring go. */
static void afp_stop(void *state)
{
	afp_close(state);
}

static void afp_fini(void *state)
{
	struct afp_src *s = state;
	if (s == NULL)
		return;
	afp_close(s);
	if (s->efd >= 0)
		close(s->efd);
	free(s->vlan_buf);
	free(s);
}

const struct sl_module sl__capture_afpacket = {
	.name = "afpacket",
	.kind = SL_MODULE_CAPTURE,
	.conf = &sl__afpacket_conf,
	.init = afp_init,
	.start = afp_start,
	.run = afp_run,
	.interrupt = afp_interrupt,
	.stop = afp_stop,
	.fini = afp_fini,
};
