/* SPDX-License-Identifier: MIT */
/*
 * DNS parsing against the corpus captures (the values the manifest states, cross-checked
 * with tshark: names, types, TTLs, rdata text for A/AAAA/CNAME/MX/TXT/SRV/SOA, rcodes, flags),
 * DNS over TCP through sl_dns_tcp_next(), and hand-made messages for what captures do not
 * show: pointer loops, escaping, bounded answer lists, truncation at every length.
 */
#include "dns.h"
#include "test_analysis_util.h"

#define MAXM 16
struct msgs {
	unsigned n;
	int rc[MAXM];
	struct sl_dns_msg m[MAXM];
};

static void udp_cb(const struct tpkt *p, void *ctx)
{
	struct msgs *ms = ctx;
	struct sl_decoded d;

	if (sl_decode(p->data, p->caplen, p->linktype, &d) != 0 || d.proto != 17 ||
	    (d.sport != 53 && d.dport != 53) || ms->n == MAXM)
		return;
	ms->rc[ms->n] = sl_dns_parse(d.payload, d.payload_len, &ms->m[ms->n]);
	ms->n++;
}

static struct msgs *load(const char *name)
{
	static struct msgs ms;

	memset(&ms, 0, sizeof(ms));
	pcap_each(name, udp_cb, &ms);
	return &ms;
}

static const char *tname(uint16_t t)
{
	static char b[16];

	return sl_dns_type_name(t, b, sizeof(b));
}

static const char *rname(uint8_t r)
{
	static char b[16];

	return sl_dns_rcode_name(r, b, sizeof(b));
}

static void corpus(void)
{
	struct msgs *ms;
	struct sl_dns_msg *m;
	unsigned i;

	ms = load("sv-dns-udp-eve-dig.pcap");
	CHECK_INT(ms->n, 2);
	m = &ms->m[0];
	CHECK_INT(ms->rc[0], SL_DNS_OK);
	CHECK(!(m->flags & SL_DNS_F_QR));
	CHECK_INT(m->nq, 1);
	CHECK_STR(m->q[0].name, "www.suricata-ids.org");
	CHECK_STR(tname(m->q[0].type), "A");
	m = &ms->m[1];
	CHECK_INT(ms->rc[1], SL_DNS_OK);
	CHECK(m->flags & SL_DNS_F_QR);
	CHECK_INT(m->id, ms->m[0].id);
	CHECK_STR(rname(m->rcode), "NOERROR");
	CHECK_INT(m->nan, 3);
	CHECK_STR(m->an[0].name, "www.suricata-ids.org");
	CHECK_STR(tname(m->an[0].type), "CNAME");
	CHECK_STR(m->an[0].rdata, "suricata-ids.org");
	CHECK_STR(m->an[1].name, "suricata-ids.org");
	CHECK_STR(tname(m->an[1].type), "A");
	CHECK_STR(m->an[1].rdata, "192.0.78.24");
	CHECK_STR(m->an[2].rdata, "192.0.78.25");

	ms = load("sv-dns-udp-eve-txt.pcap");
	CHECK_INT(ms->n, 4);
	CHECK_STR(ms->m[0].q[0].name, "google.com");
	CHECK_STR(tname(ms->m[0].q[0].type), "TXT");
	CHECK_INT(ms->m[1].nan, 1);
	CHECK_STR(tname(ms->m[1].an[0].type), "TXT");
	CHECK_INT(ms->m[1].an[0].ttl, 3217);
	CHECK_STR(ms->m[1].an[0].rdata, "v=spf1 include:_spf.google.com ~all");
	CHECK_STR(ms->m[3].q[0].name, "textsecure-service-ca.whispersystems.org");
	CHECK_STR(ms->m[3].an[0].rdata, "34.197.178.240");

	/* raw-IP capture; SRV answers */
	ms = load("sv-dns-udp-eve-log-srv.pcap");
	CHECK_INT(ms->n, 2);
	CHECK_STR(ms->m[0].q[0].name, "_sip._udp.sip.voice.google.com");
	CHECK_STR(tname(ms->m[0].q[0].type), "SRV");
	m = &ms->m[1];
	CHECK_INT(ms->rc[1], SL_DNS_OK);
	CHECK_INT(m->nan, 2);
	CHECK_STR(tname(m->an[0].type), "SRV");
	CHECK_INT(m->an[0].u.srv.priority, 20);
	CHECK_INT(m->an[0].u.srv.weight, 1);
	CHECK_INT(m->an[0].u.srv.port, 5060);
	CHECK_STR(m->an[0].rdata, "sip-anycast-2.voice.google.com");
	CHECK_INT(m->an[1].u.srv.priority, 10);
	CHECK_STR(m->an[1].rdata, "sip-anycast-1.voice.google.com");
	CHECK_STR(m->an[1].name, "_sip._udp.sip.voice.google.com");

	/* NXDOMAIN with the zone's SOA in the authority section */
	ms = load("sv-dns-udp-nxdomain-soa.pcap");
	CHECK_INT(ms->n, 2);
	m = &ms->m[1];
	CHECK_INT(ms->rc[1], SL_DNS_OK);
	CHECK_STR(rname(m->rcode), "NXDOMAIN");
	CHECK_STR(m->q[0].name, "dne.oisf.net");
	CHECK_INT(m->nan, 0);
	CHECK_INT(m->nns, 1);
	CHECK_STR(m->ns[0].name, "oisf.net");
	CHECK_STR(tname(m->ns[0].type), "SOA");
	CHECK_STR(m->ns[0].rdata, "ns-110.awsdns-13.com");
	CHECK_STR(m->ns[0].rdata2, "awsdns-hostmaster.amazon.com");
	CHECK_INT(m->ns[0].u.soa.serial, 1);
	CHECK_INT(m->ns[0].u.soa.refresh, 7200);
	CHECK_INT(m->ns[0].u.soa.retry, 900);
	CHECK_INT(m->ns[0].u.soa.expire, 1209600);
	CHECK_INT(m->ns[0].u.soa.minimum, 86400);

	/* a question whose name is a pointer forward to the next question's name */
	ms = load("sv-dns-forward-pointer.pcap");
	CHECK_INT(ms->n, 2);
	CHECK_INT(ms->rc[0], SL_DNS_OK);
	CHECK_INT(ms->m[0].qdcount, 2);
	CHECK_INT(ms->m[0].nq, 2);
	CHECK_STR(ms->m[0].q[0].name, "codemonkey.net");
	CHECK_STR(ms->m[0].q[1].name, "codemonkey.net");
	CHECK_STR(tname(ms->m[0].q[1].type), "A");
	CHECK_INT(ms->m[1].nan, 1);
	CHECK_STR(ms->m[1].an[0].name, "codemonkey.net");
	CHECK_STR(ms->m[1].an[0].rdata, "152.53.82.239");

	/* A, AAAA (written as EVE does), MX */
	ms = load("sv-dns-udp-google-a-aaaa-mx.pcap");
	CHECK_INT(ms->n, 6);
	CHECK_INT(ms->m[1].nan, 12);
	CHECK_STR(ms->m[1].an[0].rdata, "216.197.242.244");
	CHECK_INT(ms->m[1].an[11].ttl, 299);
	CHECK_STR(tname(ms->m[2].q[0].type), "AAAA");
	CHECK_INT(ms->m[3].nan, 1);
	CHECK_STR(ms->m[3].an[0].rdata, "2607:f8b0:400f:0801:0000:0000:0000:200e");
	CHECK_STR(tname(ms->m[4].q[0].type), "MX");
	CHECK_INT(ms->m[5].nan, 5);
	CHECK_STR(ms->m[5].an[0].rdata, "aspmx.l.google.com");
	CHECK_INT(ms->m[5].an[0].u.mx.preference, 10);
	CHECK_STR(ms->m[5].an[4].rdata, "alt4.aspmx.l.google.com");
	CHECK_INT(ms->m[5].an[4].u.mx.preference, 50);
	for (i = 0; i < ms->n; i++)
		CHECK_INT(ms->rc[i], SL_DNS_OK);

	/* tcpdump's capture: id 22836, authoritative, 2 answers / 2 NS / 5 additional */
	ms = load("td-dns_udp.pcap");
	CHECK_INT(ms->n, 2);
	CHECK_INT(ms->m[0].id, 22836);
	CHECK(ms->m[0].flags & SL_DNS_F_RD);
	m = &ms->m[1];
	CHECK(m->flags & SL_DNS_F_AA);
	CHECK_INT(m->ancount, 2);
	CHECK_INT(m->nscount, 2);
	CHECK_INT(m->arcount, 5);
	CHECK_STR(m->an[0].rdata, "192.139.46.66");
	CHECK_STR(m->an[1].rdata, "198.199.88.104");
	CHECK_INT(m->nns, 2);
	CHECK_STR(tname(m->ns[0].type), "NS");
	CHECK_STR(m->ns[0].name, "tcpdump.org");
	CHECK(!strcmp(m->ns[0].rdata, "nic.sandelman.ca") || !strcmp(m->ns[1].rdata, "nic.sandelman.ca"));
	CHECK(!strcmp(m->ns[0].rdata, "sns.cooperix.net") || !strcmp(m->ns[1].rdata, "sns.cooperix.net"));
}

static void tcp(void)
{
	struct tstreams *ss = streams_load("sv-dns-tcp-www-google-com.pcap");
	struct tstream *q = streams_find(ss, 0, 53, 0), *r;
	const uint8_t *msg;
	size_t len, used;
	struct sl_dns_msg *m = malloc(sizeof(*m));

	CHECK(q != NULL);
	if (q == NULL)
		goto out;
	r = streams_reverse(ss, q);
	CHECK(r != NULL);
	if (r == NULL)
		goto out;
	/* a partial message is "need more" */
	CHECK_INT(sl_dns_tcp_next(q->buf, 1, &msg, &len), 0);
	CHECK_INT(sl_dns_tcp_next(q->buf, q->len - 1, &msg, &len), 0);
	used = sl_dns_tcp_next(q->buf, q->len, &msg, &len);
	CHECK_INT(used, q->len);
	CHECK_INT(sl_dns_parse(msg, len, m), SL_DNS_OK);
	CHECK_STR(m->q[0].name, "www.google.com");
	used = sl_dns_tcp_next(r->buf, r->len, &msg, &len);
	CHECK_INT(used, r->len);
	CHECK_INT(sl_dns_parse(msg, len, m), SL_DNS_OK);
	CHECK(m->flags & SL_DNS_F_QR);
	CHECK_INT(m->nan, 12);
	CHECK_INT(m->an[0].ttl, 8);
	CHECK_STR(m->an[0].rdata, "216.197.242.244");
out:
	free(m);
	streams_free(ss);
}

/* ---- hand-made ---- */

static size_t put_header(uint8_t *b, uint16_t qd, uint16_t an)
{
	memset(b, 0, 12);
	b[0] = 0x12;
	b[1] = 0x34;
	b[2] = 0x81; /* QR, RD */
	b[3] = 0x83; /* RA, NXDOMAIN */
	b[5] = (uint8_t)qd;
	b[6] = (uint8_t)(an >> 8);
	b[7] = (uint8_t)an;
	return 12;
}

static void handmade(void)
{
	static uint8_t b[4096];
	static struct sl_dns_msg m;
	size_t n, k;
	char tb[16];
	unsigned i;

	/* header fields */
	n = put_header(b, 0, 0);
	CHECK_INT(sl_dns_parse(b, n, &m), SL_DNS_OK);
	CHECK_INT(m.id, 0x1234);
	CHECK_INT(m.rcode, 3);
	CHECK(m.flags & SL_DNS_F_QR && m.flags & SL_DNS_F_RD && m.flags & SL_DNS_F_RA);
	CHECK(!(m.flags & SL_DNS_F_AA) && !(m.flags & SL_DNS_F_TC));
	CHECK_INT(sl_dns_parse(b, 11, &m), SL_DNS_TRUNCATED_HEADER);

	/* a name pointing at itself, and two pointing at each other */
	n = put_header(b, 1, 0);
	b[n++] = 0xc0;
	b[n++] = 12;
	b[n++] = 0;
	b[n++] = 1;
	b[n++] = 0;
	b[n++] = 1;
	CHECK_INT(sl_dns_parse(b, n, &m), SL_DNS_NAME_LOOP);
	n = put_header(b, 1, 0);
	memcpy(b + n, "\x01" "a\xc0\x0f\xc0\x0c\0\x01\0\x01", 10);
	n += 10;
	/* each round adds a label, so the length bound or the jump bound stops it */
	k = (size_t)sl_dns_parse(b, n, &m);
	CHECK(k == SL_DNS_NAME_LOOP || k == SL_DNS_BAD_NAME);
	/* a pointer past the end */
	n = put_header(b, 1, 0);
	memcpy(b + n, "\xc3\xff\0\x01\0\x01", 6);
	CHECK_INT(sl_dns_parse(b, n + 6, &m), SL_DNS_BAD_NAME);

	/* escaping: a dot, a backslash, a space and a control byte inside labels; root name */
	n = put_header(b, 2, 0);
	memcpy(b + n, "\x05" "a.b\\c" "\x03" "x y" "\x02" "\x01\x7f" "\0" "\0\x01\0\x01", 18);
	n += 18;
	memcpy(b + n, "\0\0\x02\0\x01", 5);
	n += 5;
	CHECK_INT(sl_dns_parse(b, n, &m), SL_DNS_OK);
	CHECK_STR(m.q[0].name, "a\\.b\\\\c.x\\x20y.\\x01\\x7f");
	CHECK_STR(m.q[1].name, "");
	CHECK_STR(tname(m.q[1].type), "NS");

	/* 20 A answers: 16 kept, 4 counted */
	n = put_header(b, 1, 20);
	memcpy(b + n, "\x03" "foo" "\0" "\0\x01\0\x01", 9);
	n += 9;
	for (i = 0; i < 20; i++) {
		memcpy(b + n, "\xc0\x0c\0\x01\0\x01\0\0\x0e\x10\0\x04", 12);
		n += 12;
		b[n++] = 10;
		b[n++] = 0;
		b[n++] = 0;
		b[n++] = (uint8_t)i;
	}
	CHECK_INT(sl_dns_parse(b, n, &m), SL_DNS_OK);
	CHECK_INT(m.nan, SL_DNS_MAX_ANSWERS);
	CHECK_INT(m.an_dropped, 4);
	CHECK_STR(m.an[15].rdata, "10.0.0.15");
	CHECK_STR(m.an[15].name, "foo");
	CHECK_INT(m.an[15].ttl, 3600);
	/* every shorter length fails cleanly, keeping what came before the cut */
	for (k = 0; k < n; k++) {
		uint8_t *cp = malloc(k ? k : 1);
		int rc;

		memcpy(cp, b, k);
		rc = sl_dns_parse(cp, k, &m);
		CHECK(rc != SL_DNS_OK || k == 12 + 9 + 16 * 0); /* never OK when cut */
		if (k >= 12 + 9 + 16 * 20)
			CHECK_INT(m.nan, 16);
		free(cp);
	}
	/* A with a wrong rdlength */
	n = put_header(b, 0, 1);
	memcpy(b + n, "\0\0\x01\0\x01\0\0\0\x01\0\x03\x01\x02\x03", 14);
	CHECK_INT(sl_dns_parse(b, n + 14, &m), SL_DNS_BAD_RDATA);
	CHECK_INT(m.nan, 1);
	/* a TXT with two strings, one holding a quote and a control byte */
	n = put_header(b, 0, 1);
	memcpy(b + n, "\0\0\x10\0\x01\0\0\0\x01\0\x08\x03" "a\"b" "\x03" "c\nd", 19);
	CHECK_INT(sl_dns_parse(b, n + 19, &m), SL_DNS_OK);
	/* one entry per string, raw bytes (the JSON encoder escapes them), as EVE lists them */
	CHECK_INT(m.nan, 2);
	CHECK_STR(m.an[0].rdata, "a\"b");
	CHECK_STR(m.an[1].rdata, "c\nd");
	CHECK_INT(m.an[1].ttl, 1);
	CHECK_INT(m.an[1].type, 16);
	/* a TXT of 20 strings: 16 entries kept (the answer array), 4 counted */
	n = put_header(b, 0, 1);
	memcpy(b + n, "\0\0\x10\0\x01\0\0\0\x01\0\x28", 11);
	n += 11;
	for (i = 0; i < 20; i++)
		b[n++] = 1, b[n++] = (uint8_t)('a' + i);
	CHECK_INT(sl_dns_parse(b, n, &m), SL_DNS_OK);
	CHECK_INT(m.nan, SL_DNS_MAX_ANSWERS);
	CHECK_INT(m.an_dropped, 4);
	CHECK_STR(m.an[15].rdata, "p");
	CHECK_INT(m.an[15].rdata_len, 1);
	/* SSHFP, OPT (in the additional section) and NULL with a NUL byte */
	n = put_header(b, 0, 2);
	b[11] = 1; /* ARCOUNT */
	memcpy(b + n, "\0\0\x2c\0\x01\0\0\0\x01\0\x05\x01\x02\xab\x01\xff", 16);
	n += 16;
	memcpy(b + n, "\0\0\x0a\0\x01\0\0\0\x01\0\x03x\0y", 14);
	n += 14;
	memcpy(b + n, "\0\0\x29\x10\0\0\0\0\0\0\x06\0\x0a\0\x02\xca\xfe", 17);
	n += 17;
	CHECK_INT(sl_dns_parse(b, n, &m), SL_DNS_OK);
	CHECK_INT(m.an[0].kind, SL_DNS_RD_SSHFP);
	CHECK_INT(m.an[0].u.sshfp.algo, 1);
	CHECK_INT(m.an[0].u.sshfp.fp_type, 2);
	CHECK_STR(m.an[0].rdata, "ab:01:ff");
	CHECK_INT(m.an[1].kind, SL_DNS_RD_TEXT);
	CHECK_INT(m.an[1].rdata_len, 3);
	CHECK(memcmp(m.an[1].rdata, "x\0y", 3) == 0);
	CHECK_INT(m.nar, 1);
	CHECK_INT(m.ar[0].kind, SL_DNS_RD_OPT);
	CHECK_INT(m.ar[0].section, SL_DNS_ADDITIONAL);
	CHECK_INT(m.ar[0].rdata_len, 6);
	/* an option running past its rdata is bad rdata */
	b[n - 4] = 3;
	CHECK_INT(sl_dns_parse(b, n, &m), SL_DNS_BAD_RDATA);

	/* a very long name is cut to the buffer and flagged */
	n = put_header(b, 1, 0);
	for (i = 0; i < 4; i++) {
		unsigned l = i < 3 ? 63 : 50; /* 243 bytes on the wire, under the 255 limit */

		b[n++] = (uint8_t)l;
		memset(b + n, 1, l); /* each byte becomes 4 characters */
		n += l;
	}
	b[n++] = 0;
	memcpy(b + n, "\0\x01\0\x01", 4);
	n += 4;
	CHECK_INT(sl_dns_parse(b, n, &m), SL_DNS_OK);
	CHECK(m.flags & SL_DNS_F_TRUNCATED_TEXT);
	CHECK(strlen(m.q[0].name) < SL_DNS_NAME_LEN);
	k = strlen(m.q[0].name); /* never half an escape */
	CHECK(k > 4 && (!strcmp(m.q[0].name + k - 4, "\\x01") || m.q[0].name[k - 1] == '.'));

	/* names */
	CHECK_STR(sl_dns_type_name(1, tb, sizeof(tb)), "A");
	CHECK_STR(sl_dns_type_name(255, tb, sizeof(tb)), "ANY");
	CHECK_STR(sl_dns_type_name(65, tb, sizeof(tb)), "HTTPS");
	CHECK_STR(sl_dns_type_name(123, tb, sizeof(tb)), "TYPE123");
	CHECK_STR(sl_dns_rcode_name(2, tb, sizeof(tb)), "SERVFAIL");
	CHECK_STR(sl_dns_rcode_name(5, tb, sizeof(tb)), "REFUSED");
	CHECK_STR(sl_dns_rcode_name(1, tb, sizeof(tb)), "FORMERR");
	CHECK_STR(sl_dns_rcode_name(14, tb, sizeof(tb)), "RCODE14");
	CHECK_STR(sl_dns_reason_name(SL_DNS_NAME_LOOP), "name_pointer_loop");
}

int main(void)
{
	corpus();
	tcp();
	handmade();
	return test_done("test_dns");
}
