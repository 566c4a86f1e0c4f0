/* SPDX-License-Identifier: MIT */
/*
 * The analysis reads its configuration from the snapshot the worker hands over per batch
 * (sl_analysis_batch), not from what it was created with: a DNS query to port 5353 is not
 * parsed under the start configuration, and is under a second snapshot (version 2) that adds
 * the port; a snapshot that turns DNS off stops it again. HTTP likewise: a connection that
 * starts under a snapshot with app.http.enabled=false gives no http record, one that starts
 * after the next snapshot turns it on again does.
 */
#include "test_analysis_harness.h"

static void udp(struct harness *h, uint16_t sport, uint16_t dport, const uint8_t *p, uint32_t n)
{
	static uint8_t seg[2000], frame[2100];

	seg[0] = (uint8_t)(sport >> 8), seg[1] = (uint8_t)sport;
	seg[2] = (uint8_t)(dport >> 8), seg[3] = (uint8_t)dport;
	seg[4] = (uint8_t)((8 + n) >> 8), seg[5] = (uint8_t)(8 + n);
	seg[6] = seg[7] = 0;
	memcpy(seg + 8, p, n);
	h_frame(h, frame, h_ipv4(frame, 17, 9, 0, 0, seg, 8 + n, 1));
}

static const uint8_t query[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
};

int main(void)
{
	struct harness h;
	struct sl_config c2, c3;
	char err[256];

	h_init(&h, NULL);
	udp(&h, 30000, 5353, query, sizeof query);
	h_drain(&h);
	CHECK_EQ(h.recs[SL_REC_DNS], 0);
	udp(&h, 30000, 53, query, sizeof query);
	h_drain(&h);
	CHECK_EQ(h.recs[SL_REC_DNS], 1);

	sl_conf_defaults(&c2);
	REQUIRE(sl_conf_set(&c2, "app.dns.ports=[53,5353]", err, sizeof err) == 0);
	sl_analysis_batch(h.w->an, &c2, 2);
	udp(&h, 30001, 5353, query, sizeof query);
	h_drain(&h);
	CHECK_EQ(h.recs[SL_REC_DNS], 2);

	sl_conf_defaults(&c3);
	REQUIRE(sl_conf_set(&c3, "app.dns.enabled=false", err, sizeof err) == 0);
	sl_analysis_batch(h.w->an, &c3, 3);
	udp(&h, 30003, 53, query, sizeof query);
	h_drain(&h);
	CHECK_EQ(h.recs[SL_REC_DNS], 2);

	/* HTTP off (version 4), then on again (version 5): one connection under each */
	static const char get[] = "GET /x HTTP/1.1\r\nHost: a.example\r\n\r\n";
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct sl_config c4, c5;
	struct hconn a = { .cport = 40001, .sport = 80 }, b = { .cport = 40002, .sport = 80 };
	sl_conf_defaults(&c4);
	REQUIRE(sl_conf_set(&c4, "app.http.enabled=false", err, sizeof err) == 0);
	sl_analysis_batch(h.w->an, &c4, 4);
	h_handshake(&h, &a);
	h_send(&h, &a, 0, get, sizeof get - 1, 1460);
	h_send(&h, &a, 1, ok, sizeof ok - 1, 1460);
	h_close(&h, &a);
	h_drain(&h);
	CHECK_EQ(h.recs[SL_REC_HTTP], 0);
	sl_conf_defaults(&c5);
	sl_analysis_batch(h.w->an, &c5, 5);
	h_handshake(&h, &b);
	h_send(&h, &b, 0, get, sizeof get - 1, 1460);
	h_send(&h, &b, 1, ok, sizeof ok - 1, 1460);
	h_close(&h, &b);
	h_drain(&h);
	CHECK_EQ(h.recs[SL_REC_HTTP], 1);

	sl_analysis_flush(h.w->an);
	h_fini(&h);
	sl_conf_fini(&c2);
	sl_conf_fini(&c3);
	sl_conf_fini(&c4);
	sl_conf_fini(&c5);
	return check_result();
}
