/* SPDX-License-Identifier: MIT */
/*
 * A module's block of keys: registered once, placed after its parent section, then loaded,
 * overridden, dumped, compared, copied and freed like the engine's own keys, into the module's
 * own struct. A bad block (a key outside its section, a key the core has, a second call) is
 * refused with a reason and leaves the schema as it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_conf.h"
#define SL_CONF_STRUCT struct test_conf
#include "conf_rows.h"

struct test_conf {
	bool enabled;
	char *path;
	struct sl_conf_ints ports;
	uint64_t linger_ns;
};

static const struct sl_conf_key test_keys[] = {
	BOOL("outputs.test.enabled", enabled, "false", "write test records"),
	STRING("outputs.test.path", path, "/tmp/x", 1, 0, NULL, "where to"),
	INTS("outputs.test.ports", ports, "[1, 2]", 1, 65535, "ports", LIVE),
	DURATION("outputs.test.linger", linger_ns, "5ms", 0, SEC, "how long to wait"),
};
static const struct sl_conf_block test_block = { "outputs.test", sizeof(struct test_conf), test_keys, 4 };

/* a key in the app section: placed after the last app.* key */
struct app_conf {
	bool on;
};
#undef SL_CONF_STRUCT
#define SL_CONF_STRUCT struct app_conf
static const struct sl_conf_key app_keys[] = {
	BOOL("app.zzz.on", on, "true", "an analysis step"),
};
#undef SL_CONF_STRUCT
#define SL_CONF_STRUCT struct test_conf
static const struct sl_conf_block app_block = { "app.zzz", sizeof(struct app_conf), app_keys, 1 };

static const struct sl_conf_key bad_keys[] = {
	BOOL("outputs.other.enabled", enabled, "false", "not in the section"),
};
static const struct sl_conf_block bad_block = { "outputs.test", sizeof(struct test_conf), bad_keys, 1 };
static const struct sl_conf_key dup_keys[] = {
	BOOL("flow.use-vlan.x", enabled, "false", "a key under a key"),
};
static const struct sl_conf_block dup_block = { "flow.use-vlan", sizeof(struct test_conf), dup_keys, 1 };

int main(void)
{
	size_t core_n, n;
	char err[256];

	sl_conf_keys(&core_n);
	const struct sl_conf_block *bad[] = { &bad_block }, *dup[] = { &dup_block };
	CHECK_EQ(sl_conf_register_blocks(bad, 1, err, sizeof err), -EINVAL);
	CHECK(strstr(err, "outputs.other.enabled: not in the block's section outputs.test") != NULL);
	CHECK_EQ(sl_conf_register_blocks(dup, 1, err, sizeof err), -EINVAL);
	CHECK(strstr(err, "a key cannot also be a section") != NULL);
	sl_conf_keys(&n);
	CHECK_EQ(n, core_n);

	const struct sl_conf_block *blocks[] = { &test_block, &app_block };
	REQUIRE(sl_conf_register_blocks(blocks, 2, err, sizeof err) == 0);
	CHECK_EQ(sl_conf_register_blocks(blocks, 2, err, sizeof err), -EINVAL);
	const struct sl_conf_key *keys = sl_conf_keys(&n);
	CHECK_EQ(n, core_n + 5);
	/* placement: app.zzz.on right after the last app.* key, outputs.test.* with outputs.* */
	size_t at = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i].key, "app.zzz.on") == 0)
			at = i;
	REQUIRE(at > 0 && at + 1 < n);
	CHECK(strncmp(keys[at - 1].key, "app.", 4) == 0);
	CHECK(strncmp(keys[at + 1].key, "app.", 4) != 0);
	CHECK(sl_conf_key_find("outputs.test.ports")->live);

	struct sl_config c, d;
	sl_conf_defaults(&c);
	const struct test_conf *t = sl_conf_block(&c, &test_block);
	REQUIRE(t != NULL);
	CHECK(!t->enabled);
	CHECK_STR(t->path, "/tmp/x");
	CHECK_EQ(t->ports.n, 2);
	CHECK_EQ(t->linger_ns, 5000000);
	CHECK(((const struct app_conf *)sl_conf_block(&c, &app_block))->on);

	CHECK_EQ(load(&c, "outputs:\n  test:\n    enabled: true\n    ports: [7]\n"), 0);
	t = sl_conf_block(&c, &test_block);
	CHECK(t->enabled);
	CHECK_EQ(t->ports.n, 1);
	CHECK_EQ(t->ports.v[0], 7);
	CHECK(load(&c, "outputs:\n  test:\n    enabld: true\n") == SL_ECONFIG_KEY);
	CHECK(strstr(err_, "did you mean outputs.test.enabled") != NULL);
	CHECK_EQ(set(&c, "outputs.test.path=/var/x"), 0);
	CHECK_STR(((const struct test_conf *)sl_conf_block(&c, &test_block))->path, "/var/x");
	CHECK(set(&c, "outputs.test.linger=2s") == SL_ECONFIG_VALUE);

	REQUIRE(sl_conf_copy(&d, &c) == 0);
	CHECK(sl_conf_diff(&c, &d, NULL) == NULL);
	CHECK(sl_conf_block(&d, &test_block) != sl_conf_block(&c, &test_block));
	CHECK_EQ(set(&d, "outputs.test.enabled=false"), 0);
	const struct sl_conf_key *k = sl_conf_diff(&c, &d, NULL);
	CHECK(k && strcmp(k->key, "outputs.test.enabled") == 0);
	CHECK(sl_conf_diff(&c, &d, k) == NULL);
	/* restart-only block keys are kept at their running value too */
	char names[128];
	CHECK_EQ(sl_conf_keep_restart_only(&d, &c, names, sizeof names), 1);
	CHECK_STR(names, "outputs.test.enabled");
	CHECK(((const struct test_conf *)sl_conf_block(&d, &test_block))->enabled);

	/* the dump shows the block's keys and loads back equal */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	REQUIRE(f && sl_conf_dump(&c, f) == 0);
	fclose(f);
	CHECK(strstr(buf, "  test:\n") != NULL);
	CHECK(strstr(buf, "    path: \"/var/x\"\n") != NULL);
	struct sl_config e;
	sl_conf_defaults(&e);
	CHECK_EQ(sl_conf_load_buffer(&e, "dump", buf, len, err, sizeof err), 0);
	CHECK(sl_conf_diff(&c, &e, NULL) == NULL);
	free(buf);

	sl_conf_fini(&e);
	sl_conf_fini(&d);
	sl_conf_fini(&c);
	return check_result();
}
