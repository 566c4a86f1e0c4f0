/* SPDX-License-Identifier: MIT */
/*
 * The AF_PACKET source on real interfaces. Run by test_capture_afpacket.sh inside a network
 * namespace of its own, with a veth pair SEND <-> RECV and nothing else on them:
 *
 *   test_capture_afpacket SEND RECV FILE...
 *
 * Two members of one fanout group capture on RECV while every frame of the FILEs is sent on
 * SEND through a raw socket. Every frame sent must be captured exactly once over the two
 * members, byte for byte — including the 802.1Q/802.1ad tags the kernel strips on receive and
 * the source puts back — with a current timestamp, Ethernet link type and no kernel drop; and
 * the members must end once interrupted. Then the same on the namespace's loopback: each
 * datagram once (not once leaving and once arriving), with loopback's zero MACs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "sluice/record.h"
#include "test_capture_support.h"

struct member {
	const struct sl_module *m;
	void *state;
	struct sl_capture_out out;
	struct sl_capture_counters ctr;
	_Atomic int *stop;
	int rc;
	char errbuf[512];
	pthread_t th;
};

static double now_s(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *member_run(void *p)
{
	struct member *mb = p;
	mb->rc = mb->m->run(mb->state, &mb->out, &mb->ctr, mb->errbuf, sizeof mb->errbuf);
	return NULL;
}

static int open_member(struct member *mb, const char *ifname, unsigned index, unsigned count, int promisc,
                       _Atomic int *stop, uint32_t block_size, uint32_t blocks, uint32_t snaplen)
{
	struct sl_capture_spec spec = { .kind = "afpacket", .name = ifname, .index = index, .count = count,
	                                .snaplen = snaplen };
	spec.afpacket.block_size = block_size;
	spec.afpacket.block_count = blocks;
	spec.afpacket.block_timeout_ms = 5;
	spec.afpacket.promisc = promisc;
	struct sl_module_env env = { .capture = &spec };
	memset(mb, 0, sizeof *mb);
	mb->m = sl_capture_find("afpacket");
	mb->stop = stop;
	int err = mb->m->init(&env, &mb->state, mb->errbuf, sizeof mb->errbuf);
	if (err == 0 && (err = mb->m->start(mb->state, mb->errbuf, sizeof mb->errbuf)) != 0)
		mb->m->fini(mb->state);
	if (err) {
		fprintf(stderr, "afpacket %s member %u: %s\n", ifname, index, mb->errbuf);
		return err;
	}
	return 0;
}

static int start_member(struct member *mb, const char *ifname, unsigned index, unsigned count, int promisc,
                        _Atomic int *stop)
{
	int err = open_member(mb, ifname, index, count, promisc, stop, 1 << 17, 8, 0);
	if (err)
		return err;
	return pthread_create(&mb->th, NULL, member_run, mb) == 0 ? 0 : -1;
}

static int send_frames(const char *ifname, const uint8_t *frame, uint32_t len, int count)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0), ok = 0;
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(ifname),
	                          .sll_halen = 6 };
	if (fd < 0)
		return -1;
	memcpy(to.sll_addr, frame, 6);
	for (int i = 0; i < count; i++)
		ok += sendto(fd, frame, len, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)len;
	close(fd);
	return ok;
}

static double stop_members(struct member *mb, int n, _Atomic int *stop)
{
	double t0 = now_s(CLOCK_MONOTONIC);
	atomic_store(stop, 1);
	/* from this thread, while run() may be walking a block: only an interrupt */
	for (int i = 0; i < n; i++)
		mb[i].m->interrupt(mb[i].state);
	for (int i = 0; i < n; i++)
		pthread_join(mb[i].th, NULL);
	double waited = now_s(CLOCK_MONOTONIC) - t0;
	for (int i = 0; i < n; i++) {
		mb[i].m->stop(mb[i].state);
		mb[i].m->fini(mb[i].state);
	}
	return waited;
}

static uint64_t captured(struct member *mb, int n)
{
	uint64_t t = 0;
	for (int i = 0; i < n; i++)
		t += atomic_load_explicit(&mb[i].ctr.packets, memory_order_relaxed);
	return t;
}

static void wait_for(struct member *mb, int n, uint64_t want, double seconds)
{
	double until = now_s(CLOCK_MONOTONIC) + seconds;
	while (captured(mb, n) < want && now_s(CLOCK_MONOTONIC) < until)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	/* a little longer, to catch anything unexpected that follows */
	nanosleep(&(struct timespec){ .tv_nsec = 200000000 }, NULL);
}

static void test_veth(const char *send_if, const char *recv_if, int nfiles, char **files)
{
	static _Atomic int stop;
	struct member mb[2];
	struct cap_list want = { 0 };
	uint64_t want_bytes = 0;

	for (int i = 0; i < nfiles; i++) {
		uint16_t lt;
		REQUIRE(pcap_parse_file(files[i], &want, &lt, 0) == 0);
		REQUIRE(lt == SL_LINK_ETHERNET);
	}
	for (size_t i = 0; i < want.n; i++) {
		REQUIRE(want.pkts[i].caplen == want.pkts[i].wirelen);
		want_bytes += want.pkts[i].caplen;
	}

	REQUIRE(start_member(&mb[0], recv_if, 0, 2, 0, &stop) == 0);
	REQUIRE(start_member(&mb[1], recv_if, 1, 2, 1, &stop) == 0);

	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	REQUIRE(fd >= 0);
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(send_if),
	                          .sll_halen = 6 };
	REQUIRE(to.sll_ifindex > 0);
	double wall0 = now_s(CLOCK_REALTIME);
	int sent_ok = 1;
	for (size_t i = 0; i < want.n; i++) {
		const struct cap_pkt *k = &want.pkts[i];
		memcpy(to.sll_addr, k->data, 6);
		if (sendto(fd, k->data, k->caplen, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)k->caplen) {
			fprintf(stderr, "sendto %s, frame %zu (%u bytes): %s\n", send_if, i, k->caplen, strerror(errno));
			sent_ok = 0;
		}
	}
	close(fd);
	CHECK(sent_ok);
	wait_for(mb, 2, want.n, 5.0);
	double waited = stop_members(mb, 2, &stop);
	double wall1 = now_s(CLOCK_REALTIME);

	/* Match every sent frame to one captured frame (a multiset: the corpus repeats frames). */
	size_t ncap = mb[0].out.got.n + mb[1].out.got.n, matched = 0, extra = 0, ts_ok = 1, lt_ok = 1;
	uint64_t matched_bytes = 0;
	char *used = calloc(want.n ? want.n : 1, 1);
	REQUIRE(used != NULL);
	for (int m = 0; m < 2; m++) {
		for (size_t i = 0; i < mb[m].out.got.n; i++) {
			const struct cap_pkt *c = &mb[m].out.got.pkts[i];
			size_t j;
			for (j = 0; j < want.n; j++)
				if (!used[j] && want.pkts[j].caplen == c->caplen &&
				    memcmp(want.pkts[j].data, c->data, c->caplen) == 0)
					break;
			if (j == want.n) {
				if (extra++ < 5)
					fprintf(stderr, "captured a frame that was not sent (%u bytes, ethertype %02x%02x)\n",
					        c->caplen, c->data[12], c->data[13]);
				continue;
			}
			used[j] = 1;
			matched++;
			matched_bytes += c->caplen;
			ts_ok &= (double)c->ts_ns / 1e9 >= wall0 - 1 && (double)c->ts_ns / 1e9 <= wall1 + 1;
			lt_ok &= c->linktype == SL_LINK_ETHERNET && c->wirelen == c->caplen;
		}
	}
	for (size_t j = 0, shown = 0; j < want.n && shown < 5; j++)
		if (!used[j]) {
			fprintf(stderr, "sent frame %zu (%u bytes) was not captured\n", j, want.pkts[j].caplen);
			shown++;
		}
	printf("veth: sent %zu frames (%llu bytes); captured %zu (member 0: %zu, member 1: %zu), "
	       "matched %zu (%llu bytes), extra %zu; stop noticed after %.0f ms\n",
	       want.n, (unsigned long long)want_bytes, ncap, mb[0].out.got.n, mb[1].out.got.n, matched,
	       (unsigned long long)matched_bytes, extra, waited * 1000);
	CHECK_EQ(matched, want.n);
	CHECK_EQ(matched_bytes, want_bytes);
	CHECK_EQ(extra, 0);
	CHECK_EQ(captured(mb, 2), ncap);
	CHECK_EQ(mb[0].ctr.bytes + mb[1].ctr.bytes, matched_bytes);
	CHECK(ts_ok);
	CHECK(lt_ok);
	for (int m = 0; m < 2; m++) {
		CHECK_EQ(mb[m].rc, 0);
		CHECK_EQ(mb[m].ctr.kernel_drops, 0);
		CHECK_EQ(mb[m].ctr.errors, 0);
		if (mb[m].errbuf[0])
			fprintf(stderr, "member %d: %s\n", m, mb[m].errbuf);
	}
	free(used);
	cap_list_free(&mb[0].out.got);
	cap_list_free(&mb[1].out.got);
	cap_list_free(&want);
}

/* A ring too small for what arrives while nobody reads it: the kernel's drops are counted,
 * and with what was captured they account for every frame. */
static void test_drops(const char *send_if, const char *recv_if)
{
	static _Atomic int stop;
	struct member mb;
	uint8_t frame[300];
	const int n = 500;

	memset(frame, 0, sizeof frame);
	memset(frame, 0xff, 6);                 /* broadcast */
	frame[6] = 0x02;
	frame[11] = 0x07;
	frame[12] = 0x88;                       /* local experimental ethertype */
	frame[13] = 0xb5;
	REQUIRE(open_member(&mb, recv_if, 0, 1, 0, &stop, 4096, 2, 0) == 0);
	CHECK_EQ(send_frames(send_if, frame, sizeof frame, n), n);
	REQUIRE(pthread_create(&mb.th, NULL, member_run, &mb) == 0);
	/* wait (bounded) until every frame is accounted for: captured, or dropped by the kernel
	 * (run reads the kernel's count about once a second while idle) */
	for (int i = 0; i < 1000 && atomic_load(&mb.ctr.packets) + atomic_load(&mb.ctr.kernel_drops) < (uint64_t)n; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	stop_members(&mb, 1, &stop);

	printf("drops: sent %d, captured %zu, kernel drops %llu: %s\n", n, mb.out.got.n,
	       (unsigned long long)mb.ctr.kernel_drops, mb.errbuf);
	CHECK(mb.ctr.kernel_drops > 0);
	CHECK_EQ(mb.out.got.n + mb.ctr.kernel_drops, (uint64_t)n);
	CHECK(strstr(mb.errbuf, "dropped") != NULL && strstr(mb.errbuf, recv_if) != NULL);
	CHECK_EQ(mb.rc, 0);
	cap_list_free(&mb.out.got);
}

/* A snap length: the kernel keeps that many bytes, the wire length stays. */
static void test_snaplen(const char *send_if, const char *recv_if)
{
	static _Atomic int stop;
	struct member mb;
	uint8_t frame[300];

	for (size_t i = 0; i < sizeof frame; i++)
		frame[i] = (uint8_t)(i * 7);
	memset(frame, 0xff, 6);
	frame[12] = 0x88;
	frame[13] = 0xb5;
	REQUIRE(open_member(&mb, recv_if, 0, 1, 0, &stop, 1 << 16, 4, 100) == 0);
	REQUIRE(pthread_create(&mb.th, NULL, member_run, &mb) == 0);
	CHECK_EQ(send_frames(send_if, frame, sizeof frame, 5), 5);
	wait_for(&mb, 1, 5, 3.0);
	stop_members(&mb, 1, &stop);
	CHECK_EQ(mb.out.got.n, 5);
	int ok = 1;
	for (size_t i = 0; i < mb.out.got.n; i++)
		ok &= mb.out.got.pkts[i].caplen == 100 && mb.out.got.pkts[i].wirelen == 300 &&
		      memcmp(mb.out.got.pkts[i].data, frame, 100) == 0;
	CHECK(ok);
	CHECK_EQ(mb.ctr.bytes, 500);
	cap_list_free(&mb.out.got);
}

/* Loopback: one copy of each datagram, zero MACs. */
static void test_loopback(void)
{
	static _Atomic int stop;
	struct member mb;
	static const char marker[] = "sluice-afpacket-loopback-";
	const int n = 10;

	REQUIRE(start_member(&mb, "lo", 0, 1, 0, &stop) == 0);
	/* A listener, so no ICMP "port unreachable" (which quotes the datagram) comes back. */
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rx = socket(AF_INET, SOCK_DGRAM, 0);
	REQUIRE(fd >= 0 && rx >= 0);
	struct sockaddr_in to = { .sin_family = AF_INET };
	socklen_t tolen = sizeof to;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(bind(rx, (struct sockaddr *)&to, sizeof to) == 0);
	REQUIRE(getsockname(rx, (struct sockaddr *)&to, &tolen) == 0);
	for (int i = 0; i < n; i++) {
		char msg[64];
		int len = snprintf(msg, sizeof msg, "%s%d", marker, i);
		CHECK(sendto(fd, msg, (size_t)len, 0, (struct sockaddr *)&to, sizeof to) == len);
	}
	close(fd);
	wait_for(&mb, 1, (uint64_t)n, 3.0);
	close(rx);
	stop_members(&mb, 1, &stop);

	int seen[10] = { 0 }, zero_macs = 1;
	for (size_t i = 0; i < mb.out.got.n; i++) {
		const struct cap_pkt *c = &mb.out.got.pkts[i];
		if (c->caplen < 14 + 20 + 8 || c->data[12] != 0x08 || c->data[13] != 0 || c->data[14 + 9] != 17)
			continue; /* UDP over IPv4 only */
		for (uint32_t off = 0; off + sizeof marker <= c->caplen; off++)
			if (memcmp(c->data + off, marker, sizeof marker - 1) == 0) {
				int k = c->data[off + sizeof marker - 1] - '0';
				if (k >= 0 && k < n)
					seen[k]++;
				static const uint8_t z[12];
				zero_macs &= memcmp(c->data, z, 12) == 0 && c->linktype == SL_LINK_ETHERNET;
				break;
			}
	}
	int once = 1;
	for (int k = 0; k < n; k++)
		once &= seen[k] == 1;
	printf("loopback: captured %zu frames; each datagram once: %s\n", mb.out.got.n, once ? "yes" : "no");
	CHECK(once);
	CHECK(zero_macs);
	CHECK_EQ(mb.rc, 0);
	cap_list_free(&mb.out.got);
}

static void test_errors(void)
{
	struct sl_capture_spec spec = { .kind = "afpacket", .name = "nosuchif0" };
	const struct sl_module *m = sl_capture_find("afpacket");
	struct sl_module_env env = { .capture = &spec };
	char errbuf[512];
	void *st;

	REQUIRE(m->init(&env, &st, errbuf, sizeof errbuf) == 0);
	CHECK_EQ(m->start(st, errbuf, sizeof errbuf), -ENODEV);
	CHECK(strstr(errbuf, "nosuchif0") != NULL && strstr(errbuf, "SIOCGIFINDEX") != NULL);
	m->fini(st);

	spec.name = "lo";
	spec.afpacket.fanout_mode = "roundrobin";
	CHECK_EQ(m->init(&env, &st, errbuf, sizeof errbuf), -EINVAL);
	CHECK(strstr(errbuf, "roundrobin") != NULL);
	spec.afpacket.fanout_mode = NULL;
	spec.afpacket.block_size = 5000;
	CHECK_EQ(m->init(&env, &st, errbuf, sizeof errbuf), -EINVAL);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s SEND_IF RECV_IF FILE...\n", argv[0]);
		return 2;
	}
	test_veth(argv[1], argv[2], argc - 3, argv + 3);
	test_drops(argv[1], argv[2]);
	test_snaplen(argv[1], argv[2]);
	test_loopback();
	test_errors();
	return check_result();
}
