/* SPDX-License-Identifier: MIT */
/*
 * Values of every type through --set: what each accepts (units, ranges, lists, names), what it
 * refuses and the exact message, and that a refused --set leaves the configuration as it was.
 * Also the schema's own consistency, copies, and comparisons.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>

#include "test_conf.h"
#include "conf_impl.h"

static void test_schema(void)
{
	char msg[256] = "";
	size_t n = 0;
	const struct sl_conf_key *keys = sl_conf_keys(&n);

	CHECK(sl__conf_schema_check(msg, sizeof(msg)) == 0);
	if (msg[0])
		fprintf(stderr, "schema: %s\n", msg);
	CHECK(n >= 45);
	CHECK(keys == sl__conf_schema);
	CHECK(sl_conf_key_find("workers.count") == &keys[0]);
	CHECK(sl_conf_key_find("workers") == NULL);
	CHECK(sl_conf_key_find("workers.count.x") == NULL);
	CHECK_STR(sl_conf_type_name(SL_CONF_DURATION), "duration");
	CHECK_STR(sl_conf_type_name(SL_CONF_CPUS), "cpus");
	CHECK(sl__conf_is_section("capture.afpacket", 16));
	CHECK(!sl__conf_is_section("capture.afpack", 14));
	CHECK(!sl__conf_is_section("capture.snaplen", 15));

	char help[256];
	CHECK(sl_conf_key_help(sl_conf_key_find("workers.count"), help, sizeof(help)) > 0);
	CHECK(strstr(help, "(1..64)") != NULL);
	sl_conf_key_help(sl_conf_key_find("capture.policy"), help, sizeof(help));
	CHECK(strstr(help, "(auto, block, drop)") != NULL);
	sl_conf_key_help(sl_conf_key_find("capture.ring-size"), help, sizeof(help));
	CHECK(strstr(help, "(64KiB..4GiB)") != NULL);

	/* the C enums follow the names of their rows */
	struct sl_config c;
	sl_conf_defaults(&c);
	CHECK(set(&c, "capture.policy=drop") == 0 && c.capture.policy == SL_CONF_POLICY_DROP);
	CHECK(set(&c, "capture.afpacket.fanout-mode=cpu") == 0 &&
	      AFP(&c)->fanout_mode == SL_AFPACKET_FANOUT_CPU);
	CHECK(set(&c, "rings.hugepages=never") == 0 && c.rings.hugepages == SL_HUGEPAGES_NEVER);
	CHECK(set(&c, "rings.hugepages=require") == 0 && c.rings.hugepages == SL_HUGEPAGES_REQUIRE);
	CHECK(set(&c, "log.level=debug") == 0 && c.log.level == SL_CONF_LOG_DEBUG);
	CHECK(set(&c, "log.level=warning") == 0 && c.log.level == SL_CONF_LOG_WARNING);
	sl_conf_fini(&c);
}

static void test_defaults(void)
{
	struct sl_config c;

	sl_conf_defaults(&c);
	CHECK_EQ(c.workers.count, 2);
	CHECK_EQ(c.workers.cpus.n, 0);
	CHECK(c.workers.cpus.v == NULL);
	CHECK_EQ(c.capture.snaplen, 65535);
	CHECK_EQ(c.capture.policy, SL_CONF_POLICY_AUTO);
	CHECK_EQ(c.capture.ring_size, 8u << 20);
	CHECK_STR(AFP(&c)->interface, "");
	CHECK_EQ(AFP(&c)->threads, 1);
	CHECK_EQ(AFP(&c)->block_size, 1u << 20);
	CHECK_EQ(AFP(&c)->block_count, 64);
	CHECK_EQ(AFP(&c)->fanout_group, 0);
	CHECK_EQ(AFP(&c)->fanout_mode, SL_AFPACKET_FANOUT_HASH);
	CHECK_EQ(SYNTH(&c)->packets, 1000000);
	CHECK_EQ(SYNTH(&c)->flows, 10000);
	CHECK_EQ(SYNTH(&c)->seed, 1);
	CHECK_STR(SYNTH(&c)->mix, "http=4,dns=3,tls=3");
	CHECK_EQ(c.router.cpu, -1);
	CHECK_EQ(c.router.ring_size, 4u << 20);
	CHECK_EQ(c.rings.hugepages, SL_HUGEPAGES_AUTO);
	CHECK_EQ(c.flow.max_flows, 65536);
	CHECK_EQ(c.flow.timeouts.new_ns, 60000000000ull);
	CHECK_EQ(c.flow.timeouts.established_ns, 600000000000ull);
	CHECK_EQ(c.flow.timeouts.closed_ns, 60000000000ull);
	CHECK_EQ(c.flow.timeouts.udp_ns, 60000000000ull);
	CHECK_EQ(c.flow.timeouts.icmp_ns, 30000000000ull);
	CHECK_EQ(c.flow.timeouts.default_ns, 60000000000ull);
	CHECK_EQ(c.defrag.max_trackers, 4096);
	CHECK_EQ(c.defrag.memory, 16u << 20);
	CHECK_EQ(c.defrag.timeout_ns, 30000000000ull);
	CHECK_EQ(c.tcp.reassembly_depth, 1u << 20);
	CHECK_EQ(c.tcp.window, 64u << 10);
	CHECK_EQ(c.tcp.segment_pool, 32u << 20);
	CHECK(SL_HTTP_CONF(&c)->enabled && SL_TLS_CONF(&c)->enabled && SL_DNS_CONF(&c)->enabled);
	CHECK_EQ(SL_HTTP_CONF(&c)->max_sessions, 4096);
	CHECK_EQ(SL_TLS_CONF(&c)->max_sessions, 4096);
	CHECK(!SL_TLS_CONF(&c)->log_resumed && c.flow.use_vlan);
	CHECK(SL_DNS_CONF(&c)->ports.n == 1 && SL_DNS_CONF(&c)->ports.v[0] == 53);
	CHECK_STR(fmt(&c, "outputs.file.enabled"), "true");
	CHECK_STR(fmt(&c, "outputs.file.path"), "\"-\"");
	CHECK_STR(fmt(&c, "outputs.file.types"), "[flow, http, tls, dns, alert, stats, http_summary, config]");
	CHECK_STR(fmt(&c, "outputs.file.policy"), "block");
	CHECK_STR(fmt(&c, "outputs.null.policy"), "drop");
	CHECK_STR(fmt(&c, "outputs.null.enabled"), "false");
	CHECK_STR(fmt(&c, "outputs.file.ring-size"), "4MiB");
	CHECK_STR(fmt(&c, "outputs.file.cpu"), "-1");
	CHECK_STR(fmt(&c, "outputs.file.buffer-size"), "256KiB");
	CHECK_EQ(c.stats.interval_ns, 1000000000ull);
	CHECK_EQ(c.stats.records_interval_ns, 3000000000ull);
	CHECK_EQ(c.stats.http_summary_interval_ns, 60000000000ull);
	CHECK_EQ(c.log.level, SL_CONF_LOG_INFO);
	CHECK_STR(c.log.file, "");
	sl_conf_fini(&c);
}

static void test_bool(struct sl_config *c)
{
	CHECK(set(c, "app.http.enabled=false") == 0 && !SL_HTTP_CONF(c)->enabled);
	CHECK(set(c, "app.http.enabled=YES") == 0 && SL_HTTP_CONF(c)->enabled);
	CHECK(set(c, "app.http.enabled=off") == 0 && !SL_HTTP_CONF(c)->enabled);
	CHECK(set(c, "app.http.enabled=On") == 0 && SL_HTTP_CONF(c)->enabled);
	CHECK(set(c, "app.http.enabled=1") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set app.http.enabled=1: not a boolean (true or false)");
	CHECK(SL_HTTP_CONF(c)->enabled);
	CHECK(set(c, "app.http.enabled=") == SL_ECONFIG_VALUE);
}

static void test_int(struct sl_config *c)
{
	CHECK(set(c, "workers.count=8") == 0 && c->workers.count == 8);
	CHECK(set(c, "workers.count= 16 ") == 0 && c->workers.count == 16);
	CHECK(set(c, "workers.count=0x10") == 0 && c->workers.count == 16);
	CHECK(set(c, "workers.count=abc") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set workers.count=abc: not an integer");
	CHECK(set(c, "workers.count=4x") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set workers.count=4x: not an integer");
	CHECK(set(c, "workers.count=") == SL_ECONFIG_VALUE);
	CHECK(set(c, "workers.count=65") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set workers.count=65: 65 is out of range (1..64)");
	CHECK(set(c, "workers.count=0") == SL_ECONFIG_VALUE);
	CHECK(set(c, "workers.count=-3") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set workers.count=-3: -3 is out of range (1..64)");
	CHECK(set(c, "workers.count=99999999999999999999") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set workers.count=99999999999999999999: 99999999999999999999 is out of "
	                "range (1..64)");
	CHECK_EQ(c->workers.count, 16); /* refusals changed nothing */
	CHECK(set(c, "capture.snaplen=70000000") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set capture.snaplen=70000000: 70000000 is out of range (64..262144)");
	CHECK(set(c, "router.cpu=-1") == 0 && c->router.cpu == -1);
	CHECK(set(c, "router.cpu=-2") == SL_ECONFIG_VALUE);
	CHECK(set(c, "router.cpu=+5") == 0 && c->router.cpu == 5);
	CHECK(set(c, "capture.synth.packets=9223372036854775807") == 0 &&
	      SYNTH(c)->packets == INT64_MAX);
	CHECK(set(c, "capture.synth.packets=9223372036854775808") == SL_ECONFIG_VALUE);
	CHECK(set(c, "capture.synth.seed=-9223372036854775808") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set capture.synth.seed=-9223372036854775808: -9223372036854775808 is out "
	                "of range (0 or more)");
}

static void test_size(struct sl_config *c)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} ok[] = {
		{ "65536", 65536 },           { "64KiB", 65536 },          { "64 KiB", 65536 },
		{ "16MiB", 16u << 20 },       { "1GiB", 1u << 30 },        { "2gib", 2u << 30 },
		{ "100KB", 100000 },          { "16MB", 16000000 },        { "1GB", 1000000000 },
		{ "100kb", 100000 },           { "131072B", 131072 },       { "4TB", 4000000000000ull },
		{ "1TiB", 1ull << 40 },       { "0x10000", 65536 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char a[64];
		snprintf(a, sizeof(a), "defrag.memory=%s", ok[i].text);
		int rc = set(c, a);
		CHECK(rc == 0 || ok[i].bytes > (16ull << 30)); /* past defrag.memory's max */
		if (rc == 0)
			CHECK_EQ(c->defrag.memory, ok[i].bytes);
	}
	CHECK(set(c, "tcp.segment-pool=1TiB") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set tcp.segment-pool=1TiB: 1TiB is out of range (1MiB..16GiB)");
	CHECK(set(c, "tcp.segment-pool=16GiB") == 0 && c->tcp.segment_pool == 16ull << 30);
	CHECK(set(c, "capture.ring-size=1KiB") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set capture.ring-size=1KiB: 1KiB is out of range (64KiB..4GiB)");
	CHECK(set(c, "capture.ring-size=16M") == SL_ECONFIG_VALUE);
	CHECK(strstr(err_, "--set capture.ring-size=16M: not a size (") == err_);
	CHECK(set(c, "capture.ring-size=1.5MiB") == SL_ECONFIG_VALUE);
	CHECK(set(c, "capture.ring-size=-1MiB") == SL_ECONFIG_VALUE);
	CHECK(set(c, "capture.ring-size=MiB") == SL_ECONFIG_VALUE);
	CHECK(set(c, "capture.ring-size=99999999999TiB") == SL_ECONFIG_VALUE);
	CHECK(strstr(err_, "99999999999TiB is out of range") != NULL);
	CHECK_EQ(c->capture.ring_size, 8u << 20);
	/* the extra check of a row */
	CHECK(set(c, "capture.afpacket.block-size=6000") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set capture.afpacket.block-size=6000: must be a multiple of 4KiB (the page size)");
	CHECK(set(c, "capture.afpacket.block-size=8KiB") == 0 && AFP(c)->block_size == 8192);
}

static void test_duration(struct sl_config *c)
{
	static const struct {
		const char *text;
		uint64_t ns;
	} ok[] = {
		{ "30s", 30000000000ull }, { "5m", 300000000000ull }, { "250ms", 250000000ull },
		{ "45", 45000000000ull },  { "2h", 7200000000000ull }, { "1d", 86400000000000ull },
		{ "1500us", 1500000ull },  { "2000000ns", 2000000ull }, { " 7 s ", 7000000000ull },
		{ "0", 0 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char a[64];
		snprintf(a, sizeof(a), "stats.records-interval=%s", ok[i].text);
		CHECK(set(c, a) == 0);
		CHECK_EQ(c->stats.records_interval_ns, ok[i].ns);
	}
	CHECK(set(c, "flow.timeouts.udp=90s") == 0 && c->flow.timeouts.udp_ns == 90000000000ull);
	CHECK(set(c, "flow.timeouts.udp=8d") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set flow.timeouts.udp=8d: 8d is out of range (1s..7d)");
	CHECK(set(c, "flow.timeouts.udp=100ms") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set flow.timeouts.udp=100ms: 100ms is out of range (1s..7d)");
	CHECK(set(c, "flow.timeouts.udp=5M") == SL_ECONFIG_VALUE);
	CHECK(strstr(err_, ": not a duration (") != NULL);
	CHECK(set(c, "flow.timeouts.udp=1.5s") == SL_ECONFIG_VALUE);
	CHECK(set(c, "flow.timeouts.udp=soon") == SL_ECONFIG_VALUE);
	CHECK(set(c, "flow.timeouts.udp=99999999999999999999d") == SL_ECONFIG_VALUE);
	CHECK(set(c, "flow.timeouts.udp=999999999999d") == SL_ECONFIG_VALUE); /* overflows ns */
	CHECK_STR(err_, "--set flow.timeouts.udp=999999999999d: 999999999999d is out of range (1s..7d)");
	CHECK_EQ(c->flow.timeouts.udp_ns, 90000000000ull);
	CHECK(set(c, "defrag.timeout=250ms") == 0 && c->defrag.timeout_ns == 250000000ull);
	CHECK(set(c, "stats.interval=0") == SL_ECONFIG_VALUE);
}

static void test_string(struct sl_config *c)
{
	CHECK(set(c, "outputs.file.path=/tmp/x.json") == 0);
	CHECK_STR(fmt(c, "outputs.file.path"), "\"/tmp/x.json\"");
	CHECK(set(c, "outputs.file.path= spaced = kept ") == 0);
	CHECK_STR(fmt(c, "outputs.file.path"), "\" spaced = kept \"");
	CHECK(set(c, "outputs.file.path=") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set outputs.file.path=: must not be empty");
	CHECK_STR(fmt(c, "outputs.file.path"), "\" spaced = kept \"");
	CHECK(set(c, "log.file=") == 0);
	CHECK_STR(c->log.file, "");
	CHECK(set(c, "log.file=caf\xc3\xa9.log") == 0);
	CHECK_STR(c->log.file, "caf\xc3\xa9.log");
	CHECK(set(c, "log.file=bad\xc3(.log") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set log.file=bad\xc3(.log: not valid UTF-8");
	CHECK(set(c, "log.file=\xed\xa0\x80") == SL_ECONFIG_VALUE); /* a surrogate */
	CHECK(set(c, "log.file=\xc0\xaf") == SL_ECONFIG_VALUE);     /* overlong */
	CHECK(set(c, "capture.afpacket.interface=eth0") == 0);
	CHECK_STR(AFP(c)->interface, "eth0");
	CHECK(set(c, "capture.afpacket.interface=0123456789abcdef") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set capture.afpacket.interface=0123456789abcdef: longer than 15 bytes");
	CHECK(set(c, "capture.synth.mix=dns=1,http=0") == 0);
	CHECK_STR(SYNTH(c)->mix, "dns=1,http=0");
	CHECK(set(c, "capture.synth.mix=http=1,udp=0") == SL_ECONFIG_VALUE); /* no such kind */
	CHECK(set(c, "capture.synth.mix=http=+1") == SL_ECONFIG_VALUE);
	CHECK(set(c, "capture.synth.mix=http") == SL_ECONFIG_VALUE);
	CHECK(set(c, "capture.synth.mix=http=0") == SL_ECONFIG_VALUE);
	CHECK(set(c, "capture.synth.mix=http=2000000") == SL_ECONFIG_VALUE);
	CHECK(strstr(err_, "bad mix 'http=2000000'") != NULL);
	CHECK_STR(SYNTH(c)->mix, "dns=1,http=0");
}

static void test_enum(struct sl_config *c)
{
	CHECK(set(c, "capture.policy=block") == 0 && c->capture.policy == SL_CONF_POLICY_BLOCK);
	CHECK(set(c, "capture.policy=DROP") == 0 && c->capture.policy == SL_CONF_POLICY_DROP);
	CHECK(set(c, "capture.policy=sometimes") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set capture.policy=sometimes: must be one of auto, block, drop");
	CHECK(set(c, "capture.policy=") == SL_ECONFIG_VALUE);
	CHECK(c->capture.policy == SL_CONF_POLICY_DROP);
	CHECK_STR(fmt(c, "capture.policy"), "drop");
}

static void test_lists(struct sl_config *c)
{
	CHECK(set(c, "workers.cpus=0-3,6") == 0);
	CHECK_EQ(c->workers.cpus.n, 5);
	CHECK_STR(fmt(c, "workers.cpus"), "[0, 1, 2, 3, 6]");
	CHECK(set(c, "workers.cpus=[2, 4]") == 0);
	CHECK_STR(fmt(c, "workers.cpus"), "[2, 4]");
	CHECK(set(c, "workers.cpus=") == 0 && c->workers.cpus.n == 0 && c->workers.cpus.v == NULL);
	CHECK(set(c, "workers.cpus=[]") == 0 && c->workers.cpus.n == 0);
	CHECK(set(c, "workers.cpus=1,1") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set workers.cpus=1,1: 1 is listed twice");
	CHECK(set(c, "workers.cpus=0-3,2") == SL_ECONFIG_VALUE);
	CHECK(set(c, "workers.cpus=3-1") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set workers.cpus=3-1: 3-1 is an empty range");
	CHECK(set(c, "workers.cpus=2000") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set workers.cpus=2000: cpu 2000 is out of range (0..1023)");
	CHECK(set(c, "workers.cpus=-1") == SL_ECONFIG_VALUE);
	CHECK(set(c, "workers.cpus=1,,2") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set workers.cpus=1,,2: empty list item");
	CHECK(set(c, "workers.cpus=a-b") == SL_ECONFIG_VALUE);
	CHECK(strstr(err_, "not a CPU list") != NULL);
	CHECK(set(c, "workers.cpus=0-1023") == 0 && c->workers.cpus.n == 1024);
	CHECK(set(c, "workers.cpus=0-1024") == SL_ECONFIG_VALUE);

	CHECK(set(c, "app.dns.ports=[53,5353]") == 0);
	CHECK(SL_DNS_CONF(c)->ports.n == 2 && SL_DNS_CONF(c)->ports.v[0] == 53 && SL_DNS_CONF(c)->ports.v[1] == 5353);
	CHECK(set(c, "app.dns.ports=53, 5353, 853") == 0 && SL_DNS_CONF(c)->ports.n == 3);
	CHECK(set(c, "app.dns.ports=53,70000") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set app.dns.ports=53,70000: 70000 is out of range (1..65535)");
	CHECK(set(c, "app.dns.ports=53-60") == SL_ECONFIG_VALUE); /* ranges are for CPUs only */
	CHECK_EQ(SL_DNS_CONF(c)->ports.n, 3);

	CHECK(set(c, "outputs.file.types=dns,alert") == 0);
	CHECK_STR(fmt(c, "outputs.file.types"), "[dns, alert]");
	CHECK(set(c, "outputs.file.types=[\"HTTP\", 'tls']") == 0);
	CHECK_STR(fmt(c, "outputs.file.types"), "[http, tls]");
	CHECK(set(c, "outputs.file.types=http_summary,config") == 0);
	CHECK(set(c, "outputs.file.types=flow,smtp") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set outputs.file.types=flow,smtp: \"smtp\" is not one of flow, http, tls, "
	                "dns, alert, stats, http_summary, config");
	CHECK(set(c, "outputs.file.types=flow,flow") == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set outputs.file.types=flow,flow: \"flow\" is listed twice");
	CHECK(set(c, "outputs.file.types=") == 0);
	CHECK_STR(fmt(c, "outputs.file.types"), "[]");
}

static void test_set_errors(struct sl_config *c)
{
	CHECK(set(c, "workers.cuont=3") == SL_ECONFIG_KEY);
	CHECK_STR(err_, "--set workers.cuont=3: unknown key (did you mean workers.count?)");
	CHECK(set(c, "workers.snaplen=3") == SL_ECONFIG_KEY);
	CHECK_STR(err_, "--set workers.snaplen=3: unknown key (did you mean capture.snaplen?)");
	CHECK(set(c, "zzz.qqq=3") == SL_ECONFIG_KEY);
	CHECK_STR(err_, "--set zzz.qqq=3: unknown key");
	CHECK(set(c, "capture.afpacket=3") == SL_ECONFIG_KEY);
	CHECK_STR(err_, "--set capture.afpacket=3: capture.afpacket is a section, not a key");
	CHECK(set(c, "workers.count") == SL_ECONFIG);
	CHECK_STR(err_, "--set workers.count: expected KEY=VALUE");
	CHECK(set(c, "=3") == SL_ECONFIG_KEY);
	CHECK(set(c, " workers.count =5") == 0 && c->workers.count == 5);
	/* the assignment may be built in the error buffer itself */
	snprintf(err_, sizeof(err_), "workers.count=%s", "6");
	CHECK(sl_conf_set(c, err_, err_, sizeof(err_)) == 0 && c->workers.count == 6);
	CHECK_STR(err_, "");
	snprintf(err_, sizeof(err_), "workers.count=%s", "66");
	CHECK(sl_conf_set(c, err_, err_, sizeof(err_)) == SL_ECONFIG_VALUE);
	CHECK_STR(err_, "--set workers.count=66: 66 is out of range (1..64)");
	/* a NULL or empty errbuf is fine */
	CHECK(sl_conf_set(c, "nope=1", NULL, 0) == SL_ECONFIG_KEY);
}

static void test_copy_diff(void)
{
	struct sl_config a, b;

	sl_conf_defaults(&a);
	CHECK(set(&a, "workers.cpus=1-3") == 0);
	CHECK(set(&a, "outputs.file.path=/var/log/eve.json") == 0);
	CHECK(sl_conf_copy(&b, &a) == 0);
	CHECK(sl_conf_diff(&a, &b, NULL) == NULL);
	CHECK(SYNTH(&b)->mix != SYNTH(&a)->mix); /* deep */
	CHECK(b.workers.cpus.v != a.workers.cpus.v);
	CHECK(set(&b, "workers.cpus=1-2") == 0);
	CHECK(set(&b, "log.level=debug") == 0);
	const struct sl_conf_key *d = sl_conf_diff(&a, &b, NULL);
	CHECK(d && strcmp(d->key, "workers.cpus") == 0);
	d = sl_conf_diff(&a, &b, d);
	CHECK(d && strcmp(d->key, "log.level") == 0);
	CHECK(sl_conf_diff(&a, &b, d) == NULL);
	sl_conf_fini(&a);
	sl_conf_fini(&b);
	sl_conf_fini(NULL);
}

static void test_format(void)
{
	struct sl_config c;
	char small[4];

	sl_conf_defaults(&c);
	CHECK_STR(fmt(&c, "capture.ring-size"), "8MiB");
	CHECK_STR(fmt(&c, "flow.timeouts.established"), "10m");
	CHECK_STR(fmt(&c, "outputs.file.path"), "\"-\"");
	CHECK_STR(fmt(&c, "app.dns.ports"), "[53]");
	CHECK_STR(fmt(&c, "workers.cpus"), "[]");
	CHECK_STR(fmt(&c, "app.tls.enabled"), "true");
	CHECK_STR(fmt(&c, "router.cpu"), "-1");
	CHECK(set(&c, "defrag.memory=1000000") == 0);
	CHECK_STR(fmt(&c, "defrag.memory"), "1MB");
	CHECK(set(&c, "defrag.memory=1234567") == 0);
	CHECK_STR(fmt(&c, "defrag.memory"), "1234567");
	CHECK(set(&c, "flow.timeouts.new=90s") == 0);
	CHECK_STR(fmt(&c, "flow.timeouts.new"), "90s");
	CHECK(set(&c, "flow.timeouts.new=1500ms") == 0);
	CHECK_STR(fmt(&c, "flow.timeouts.new"), "1500ms");
	CHECK(set(&c, "stats.interval=1000000us") == 0);
	CHECK_STR(fmt(&c, "stats.interval"), "1s");
	CHECK(set(&c, "log.file=a\"b\\c\td") == 0);
	CHECK_STR(fmt(&c, "log.file"), "\"a\\\"b\\\\c\\td\"");
	/* snprintf semantics: the full length, the text cut short */
	CHECK_EQ(sl_conf_format(&c, sl_conf_key_find("capture.ring-size"), small, sizeof(small)), 4);
	CHECK_STR(small, "8Mi");
	sl_conf_fini(&c);
}

int main(void)
{
	conf_test_setup();
	struct sl_config c;

	test_schema();
	test_defaults();
	sl_conf_defaults(&c);
	test_bool(&c);
	test_int(&c);
	test_size(&c);
	test_duration(&c);
	test_string(&c);
	test_enum(&c);
	test_lists(&c);
	test_set_errors(&c);
	sl_conf_fini(&c);
	test_copy_diff();
	test_format();
	return check_result();
}
