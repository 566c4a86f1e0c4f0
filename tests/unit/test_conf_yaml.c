/* SPDX-License-Identifier: MIT */
/*
 * Loading YAML: every type from a file, and every way a file can be wrong — unknown keys (with
 * the line and a suggestion), wrong kinds of node, duplicates, syntax errors, aliases, extra
 * documents, a missing file — each with its exact message, and always leaving the configuration
 * untouched. Ends with round trips: dump, load the dump, get the same configuration back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_conf.h"

static void test_types(void)
{
	struct sl_config c;
	const char *yaml =
		"# a comment\n"
		"workers:\n"
		"  count: 4\n"
		"  cpus: [0, 2-3]\n"
		"capture:\n"
		"  snaplen: 1500\n"
		"  policy: drop\n"
		"  ring-size: 32 MiB\n"
		"  afpacket:\n"
		"    interface: eth1\n"
		"    fanout-mode: lb\n"
		"    block-size: \"2MiB\"\n"
		"  synth:\n"
		"    mix: 'dns=1'\n"
		"flow:\n"
		"  timeouts:\n"
		"    new: 2500ms\n"
		"    udp: 90\n"
		"app:\n"
		"  http: {enabled: no}\n"
		"  dns:\n"
		"    ports:\n"
		"      - 53\n"
		"      - 5353\n"
		"outputs:\n"
		"  file:\n"
		"    path: \"/tmp/a #b.json\"   # a comment, not part of the path\n"
		"    types: flow, dns\n"
		"log:\n"
		"  file:\n"
		"  level: DEBUG\n";

	sl_conf_defaults(&c);
	CHECK(set(&c, "router.cpu=3") == 0);
	CHECK(load(&c, yaml) == 0);
	CHECK_STR(err_, "");
	CHECK_EQ(c.workers.count, 4);
	CHECK_STR(fmt(&c, "workers.cpus"), "[0, 2, 3]");
	CHECK_EQ(c.capture.snaplen, 1500);
	CHECK_EQ(c.capture.policy, SL_CONF_POLICY_DROP);
	CHECK_EQ(c.capture.ring_size, 32u << 20);
	CHECK_STR(AFP(&c)->interface, "eth1");
	CHECK_EQ(AFP(&c)->fanout_mode, SL_AFPACKET_FANOUT_LB);
	CHECK_EQ(AFP(&c)->block_size, 2u << 20);
	CHECK_STR(SYNTH(&c)->mix, "dns=1");
	CHECK_EQ(c.flow.timeouts.new_ns, 2500000000ull);
	CHECK_EQ(c.flow.timeouts.udp_ns, 90000000000ull);
	CHECK(!c.app.http.enabled);
	CHECK(c.app.tls.enabled);
	CHECK_STR(fmt(&c, "app.dns.ports"), "[53, 5353]");
	CHECK_STR(fmt(&c, "outputs.file.path"), "\"/tmp/a #b.json\"");
	CHECK_STR(fmt(&c, "outputs.file.types"), "[flow, dns]");
	CHECK_STR(c.log.file, "");
	CHECK_EQ(c.log.level, SL_CONF_LOG_DEBUG);
	/* keys the file does not name keep what the configuration held */
	CHECK_EQ(c.router.cpu, 3);
	CHECK_EQ(AFP(&c)->threads, 1);

	/* dotted keys at any level, empty values, an empty section */
	CHECK(load(&c, "capture.snaplen: 1600\ncapture:\n  afpacket.threads: 2\n  synth:\n"
	               "workers:\n  cpus:\nlog:\n  file: ~\n") == 0);
	CHECK_STR(err_, "");
	CHECK_EQ(c.capture.snaplen, 1600);
	CHECK_EQ(AFP(&c)->threads, 2);
	CHECK_EQ(c.workers.cpus.n, 0);
	/* empty files, comments only, an empty document: nothing changes */
	CHECK(load(&c, "") == 0);
	CHECK(load(&c, "# nothing\n\n") == 0);
	CHECK(load(&c, "---\n...\n") == 0);
	CHECK(load(&c, "~\n") == 0);
	CHECK_EQ(c.capture.snaplen, 1600);
	sl_conf_fini(&c);
}

/* Each bad file: its error code and its exact message; the configuration must not change. */
static void test_errors(void)
{
	static const struct {
		const char *yaml;
		int rc;
		const char *msg;
	} bad[] = {
		{ "workers:\n  count: 3\n  cuont: 4\n", SL_ECONFIG_KEY,
		  "t.yaml:3: workers.cuont: unknown key (did you mean workers.count?)" },
		{ "captur:\n  snaplen: 100\n", SL_ECONFIG_KEY,
		  "t.yaml:1: captur: unknown key (did you mean capture?)" },
		{ "capture:\n  afpacket:\n    fanout: 3\n", SL_ECONFIG_KEY,
		  "t.yaml:3: capture.afpacket.fanout: unknown key" },
		{ "workers:\n  snaplen: 3\n", SL_ECONFIG_KEY,
		  "t.yaml:2: workers.snaplen: unknown key (did you mean capture.snaplen?)" },
		{ "\n\n\n\n\n\ncapture:\n  snaplen: 70000000\n", SL_ECONFIG_VALUE,
		  "t.yaml:8: capture.snaplen: 70000000 is out of range (64..262144)" },
		{ "workers:\n  count: many\n", SL_ECONFIG_VALUE, "t.yaml:2: workers.count: not an integer" },
		{ "workers:\n  count:\n", SL_ECONFIG_VALUE,
		  "t.yaml:2: workers.count: missing value (expected an integer)" },
		{ "workers:\n  count: ''\n", SL_ECONFIG_VALUE, "t.yaml:2: workers.count: not an integer" },
		{ "capture:\n  snaplen:\n    a: 1\n", SL_ECONFIG_VALUE,
		  "t.yaml:3: capture.snaplen: expected an integer, not a mapping" },
		{ "capture:\n  snaplen: [1500]\n", SL_ECONFIG_VALUE,
		  "t.yaml:2: capture.snaplen: expected an integer, not a list" },
		{ "workers: 4\n", SL_ECONFIG_VALUE,
		  "t.yaml:1: workers: a section: expected a mapping of its keys, not a single value" },
		{ "app:\n  dns:\n    ports:\n      - 53\n      - {a: 1}\n", SL_ECONFIG_VALUE,
		  "t.yaml:5: app.dns.ports: list items must be single values, not a mapping" },
		{ "app:\n  dns:\n    ports:\n      - 53\n      - 53\n", SL_ECONFIG_VALUE,
		  "t.yaml:5: app.dns.ports: 53 is listed twice" },
		{ "workers:\n  cpus: [1, 5000]\n", SL_ECONFIG_VALUE,
		  "t.yaml:2: workers.cpus: cpu 5000 is out of range (0..1023)" },
		{ "log:\n  level: loud\n", SL_ECONFIG_VALUE,
		  "t.yaml:2: log.level: must be one of error, warning, notice, info, debug" },
		{ "tcp:\n  window: 64k\n", SL_ECONFIG_VALUE,
		  "t.yaml:2: tcp.window: not a size (a whole number of bytes, optionally with a unit: B, "
		  "KiB, MiB, GiB, TiB, or KB, MB, GB, TB for powers of 1000)" },
		{ "log:\n  file: \"a\\0b\"\n", SL_ECONFIG_VALUE, "t.yaml:2: log.file: contains a NUL byte" },
		{ "workers:\n  count: 2\n  count: 3\n", SL_ECONFIG_KEY,
		  "t.yaml:3: workers.count: duplicate key (first at line 2)" },
		{ "log: {level: info}\nworkers: {count: 3}\nlog: {file: x}\n", SL_ECONFIG_KEY,
		  "t.yaml:3: log: duplicate key (first at line 1)" },
		{ "workers:\n  count: 2\nworkers.count: 3\n", SL_ECONFIG_KEY,
		  "t.yaml:3: workers.count: duplicate key (first set at line 2)" },
		{ "app.dns.ports:\n  - 53\napp:\n  dns:\n    ports: [54]\n", SL_ECONFIG_KEY,
		  "t.yaml:5: app.dns.ports: duplicate key (first set at line 1)" },
		{ "workers:\n  count: 2\n cpus: []\n", SL_ECONFIG,
		  "t.yaml:3: syntax error: did not find expected key (column 2)" },
		{ "workers: {count: 2\nlog: {}\n", SL_ECONFIG,
		  "t.yaml:2: syntax error: did not find expected ',' or '}' (column 4)" },
		{ "workers:\n  count: 2\n\tcpus: []\n", SL_ECONFIG,
		  "t.yaml:3: syntax error: found a tab character that violates indentation (column 1)" },
		{ "log:\n  file: \"caf\xff\"\n", SL_ECONFIG,
		  "t.yaml:2: syntax error: invalid leading UTF-8 octet (column 13)" },
		{ "a: &x 1\nb: *x\n", SL_ECONFIG, "t.yaml:2: aliases (*x) are not supported" },
		{ "---\nworkers: {count: 3}\n---\nlog: {level: debug}\n", SL_ECONFIG,
		  "t.yaml:3: only one YAML document is allowed" },
		{ "- workers\n", SL_ECONFIG,
		  "t.yaml:1: the top level must be a mapping of sections, not a list" },
		{ "? [a]\n: 1\n", SL_ECONFIG, "t.yaml:1: keys must be names, not a list" },
		{ "workers:\n  ? {a: 1}\n  : 1\n", SL_ECONFIG,
		  "t.yaml:2: workers: keys must be names, not a mapping" },
	};
	struct sl_config c, before;

	sl_conf_defaults(&c);
	CHECK(set(&c, "workers.count=7") == 0);
	CHECK(set(&c, "log.file=/var/log/sluice.log") == 0);
	REQUIRE(sl_conf_copy(&before, &c) == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = load(&c, bad[i].yaml);

		if (rc != bad[i].rc)
			fprintf(stderr, "case %zu: rc %d, want %d\n", i, rc, bad[i].rc);
		CHECK_EQ(rc, bad[i].rc);
		CHECK_STR(err_, bad[i].msg);
		CHECK(sl_conf_diff(&before, &c, NULL) == NULL);
	}

	/* a good key before the bad one is not applied either */
	CHECK(load(&c, "workers:\n  count: 3\nlog:\n  file: x\n  level: loud\n") == SL_ECONFIG_VALUE);
	CHECK_EQ(c.workers.count, 7);
	CHECK_STR(c.log.file, "/var/log/sluice.log");

	/* deep nesting is refused, not recursed into */
	char deep[200] = "a: ";
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	CHECK(load(&c, deep) == SL_ECONFIG);
	CHECK_STR(err_, "t.yaml:1: nested deeper than 32 levels");
	CHECK(sl_conf_diff(&before, &c, NULL) == NULL);

	/* no error buffer at all */
	CHECK(sl_conf_load_buffer(&c, NULL, "x: 1\n", 5, NULL, 0) == SL_ECONFIG_KEY);
	char tiny[8];
	CHECK(sl_conf_load_buffer(&c, NULL, "x: 1\n", 5, tiny, sizeof(tiny)) == SL_ECONFIG_KEY);
	CHECK_STR(tiny, "<buffer");
	sl_conf_fini(&c);
	sl_conf_fini(&before);
}

static void test_files(void)
{
	struct sl_config c;
	char path[] = "/tmp/sluice-test-conf-XXXXXX";
	char want[256];
	int fd;

	sl_conf_defaults(&c);
	CHECK(sl_conf_load_file(&c, "/nonexistent/x.yaml", err_, sizeof(err_)) == -ENOENT);
	CHECK_STR(err_, "/nonexistent/x.yaml: cannot open: No such file or directory");
	CHECK(sl_conf_load_file(&c, "/", err_, sizeof(err_)) == -EISDIR);
	CHECK_STR(err_, "/: cannot read: Is a directory");

	fd = mkstemp(path);
	REQUIRE(fd >= 0);
	const char *text = "outputs:\n  file:\n    path: /tmp/x.json\n    buffer-size: 1MiB\n"
	                   "stats:\n  interval: 2s\n  records-interval: 7\n";
	REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	CHECK(sl_conf_load_file(&c, path, err_, sizeof(err_)) == 0);
	CHECK_STR(fmt(&c, "outputs.file.path"), "\"/tmp/x.json\"");
	CHECK_STR(fmt(&c, "outputs.file.buffer-size"), "1MiB");
	CHECK_EQ(c.stats.interval_ns, 2000000000ull);
	CHECK_EQ(c.stats.records_interval_ns, 7000000000ull);

	/* messages name the file as given */
	FILE *f = fopen(path, "w");
	REQUIRE(f);
	fputs("stats:\n  interval: 2s\n  intreval: 3s\n", f);
	fclose(f);
	CHECK(sl_conf_load_file(&c, path, err_, sizeof(err_)) == SL_ECONFIG_KEY);
	snprintf(want, sizeof(want), "%s:3: stats.intreval: unknown key (did you mean stats.interval?)",
	         path);
	CHECK_STR(err_, want);
	unlink(path);
	sl_conf_fini(&c);
}

/* Dump c, load the dump on top of a config of defaults, and compare. */
static void round_trip(const struct sl_config *c)
{
	struct sl_config back;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	REQUIRE(f);
	CHECK(sl_conf_dump(c, f) == 0);
	fclose(f);
	sl_conf_defaults(&back);
	CHECK(set(&back, "workers.cpus=5-9") == 0); /* something the dump must overwrite */
	CHECK(sl_conf_load_buffer(&back, "dump", text, len, err_, sizeof(err_)) == 0);
	CHECK_STR(err_, "");
	const struct sl_conf_key *d = sl_conf_diff(c, &back, NULL);
	if (d) {
		char a[256], b[256];
		sl_conf_format(c, d, a, sizeof(a));
		sl_conf_format(&back, d, b, sizeof(b));
		fprintf(stderr, "round trip changed %s: %s -> %s\n", d->key, a, b);
		fprintf(stderr, "%s", text);
	}
	CHECK(d == NULL);
	/* every key is in the dump */
	size_t n;
	const struct sl_conf_key *keys = sl_conf_keys(&n);
	for (size_t i = 0; i < n; i++) {
		const char *last = strrchr(keys[i].key, '.');
		char needle[128];
		snprintf(needle, sizeof(needle), " %s: ", last ? last + 1 : keys[i].key);
		CHECK(strstr(text, needle) != NULL);
	}
	sl_conf_fini(&back);
	free(text);
}

static void test_round_trip(void)
{
	struct sl_config c;

	sl_conf_defaults(&c);
	round_trip(&c);
	CHECK(set(&c, "workers.cpus=0-3,6") == 0);
	CHECK(set(&c, "outputs.file.types=") == 0);
	CHECK(set(&c, "outputs.file.path=-") == 0);
	CHECK(set(&c, "capture.afpacket.interface=") == 0);
	CHECK(set(&c, "log.file=quote\" back\\ tab\t nl\n cr\r bell\x07 nel\xc2\x85 ls\xe2\x80\xa8 "
	              "bom\xef\xbb\xbf caf\xc3\xa9 \xf0\x9f\x90\x9f # : - [x] {y} 'z' ~") == 0);
	CHECK(set(&c, "defrag.memory=1000000") == 0);
	CHECK(set(&c, "flow.timeouts.new=1500ms") == 0);
	CHECK(set(&c, "defrag.timeout=1ms") == 0);
	CHECK(set(&c, "stats.records-interval=0") == 0);
	CHECK(set(&c, "capture.synth.seed=0") == 0);
	CHECK(set(&c, "app.dns.enabled=false") == 0);
	CHECK(set(&c, "rings.hugepages=never") == 0);
	round_trip(&c);
	CHECK(load(&c, "log:\n  file: \"null\"\ncapture:\n  afpacket:\n    interface: \"~\"\n") == 0);
	CHECK_STR(c.log.file, "null");
	round_trip(&c);
	CHECK(load(&c, "log:\n  file: \" 123 \"\n") == 0);
	round_trip(&c);
	sl_conf_fini(&c);
}

int main(void)
{
	conf_test_setup();
	test_types();
	test_errors();
	test_files();
	test_round_trip();
	return check_result();
}
