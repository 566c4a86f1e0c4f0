/* SPDX-License-Identifier: MIT */
/*
 * unit.control.request: the control socket's request parser and sluicectl's reply reader.
 * Every command parses to itself with its argument; every kind of bad request is refused with
 * a message that says what is wrong (and never quotes raw bytes); the reply reader builds the
 * tree a table printer walks, and refuses broken, truncated, too deep and too large input.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "request.h"

static int parse(const char *s, struct sl_ctl_req *r, char *err, size_t n)
{
	return sl_ctl_parse(s, strlen(s), r, err, n);
}

static void refused(const char *s, const char *want)
{
	struct sl_ctl_req r;
	char err[256];
	int e = parse(s, &r, err, sizeof err);
	CHECK_EQ(e, -EINVAL);
	if (strstr(err, want) == NULL)
		fprintf(stderr, "for %s: error \"%s\" lacks \"%s\"\n", s, err, want);
	CHECK(strstr(err, want) != NULL);
}

static void requests(void)
{
	struct sl_ctl_req r;
	char err[256];

	for (int c = 1; c < SL_CTL_CMD_END; c++) {
		char buf[64];
		snprintf(buf, sizeof buf, "{\"cmd\":\"%s\"}", sl_ctl_cmd_name((enum sl_ctl_cmd)c));
		CHECK_EQ(parse(buf, &r, err, sizeof err), 0);
		CHECK_EQ(r.cmd, c);
		CHECK_EQ(r.level, -1);
		CHECK_EQ(r.n, SL_CTL_FLOWS_DEFAULT);
	}
	CHECK_EQ(parse(" \n{ \"n\" : 7 ,\"cmd\":\"flows\" }\r\n", &r, err, sizeof err), 0);
	CHECK_EQ(r.cmd, SL_CTL_FLOWS);
	CHECK_EQ(r.n, 7);
	CHECK_EQ(parse("{\"cmd\":\"loglevel\",\"level\":\"debug\"}", &r, err, sizeof err), 0);
	CHECK_EQ(r.level, 4);
	CHECK_EQ(parse("{\"cmd\":\"v\\u0065rsion\"}", &r, err, sizeof err), 0);
	CHECK_EQ(r.cmd, SL_CTL_VERSION);
	/* the length given is the end, whatever follows in memory */
	CHECK_EQ(sl_ctl_parse("{\"cmd\":\"stats\"}garbage", 15, &r, err, sizeof err), 0);

	refused("", "a JSON object was expected");
	refused("stats", "a JSON object was expected");
	refused("{}", "no \"cmd\"");
	refused("{\"cmd\":\"stats\"", "',' or '}' was expected");
	refused("{\"cmd\":\"stats\"}}", "bytes after the object");
	refused("{\"cmd\":\"reboot\"}", "unknown command \"reboot\"");
	refused("{\"cmd\":\"a\\u0001\"}", "unknown command \"a?\"");
	refused("{\"cmd\":\"stats\",\"cmd\":\"rings\"}", "duplicate member \"cmd\"");
	refused("{\"cmd\":\"stats\",\"levle\":\"x\"}", "unknown member");
	refused("{\"cmd\":5}", "\"cmd\" must be a string");
	refused("{\"cmd\":[\"stats\"]}", "objects and arrays are not accepted");
	refused("{\"cmd\":\"flows\",\"n\":0}", "\"n\" must be an integer from 1 to 100");
	refused("{\"cmd\":\"flows\",\"n\":101}", "\"n\" must be an integer from 1 to 100");
	refused("{\"cmd\":\"flows\",\"n\":1.5}", "\"n\" must be an integer");
	refused("{\"cmd\":\"flows\",\"n\":99999999999999999999999}", "\"n\" must be an integer");
	refused("{\"cmd\":\"stats\",\"n\":3}", "\"n\" is for flows only");
	refused("{\"cmd\":\"stats\",\"level\":\"info\"}", "\"level\" is for loglevel only");
	refused("{\"cmd\":\"loglevel\",\"level\":\"loud\"}", "\"level\" is one of");
	refused("{\"cmd\":\"st\nats\"}", "control character");
	refused("{\"cmd\":\"\\x\"}", "bad escape");
	refused("{\"cmd\":\"\\u00e9\"}", "outside 0x01..0x7f");
	refused("{\"cmd\":\"stats", "unterminated string");
	refused("{\"cmd\":tru}", "a value was expected");
	refused("{\"cmd\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
	        "longer than 64 bytes");
	/* bytes of binary junk: refused at byte 0 */
	refused("\x80\xff\x00", "at byte 0");
}

static void replies(void)
{
	static struct sl_json_node nd[64];
	size_t n;
	char err[200];
	const char *s = "{\"ok\":true,\"rings\":[{\"name\":\"a\\\"b\",\"used\":1.5e3},{}],\"x\":{\"y\":[null,false,-2]}}";

	CHECK_EQ(sl_json_parse(s, strlen(s), nd, 64, &n, err, sizeof err), 0);
	CHECK_EQ(n, 12);
	uint32_t ok = sl_json_get(nd, 0, "ok"), rings = sl_json_get(nd, 0, "rings"), x = sl_json_get(nd, 0, "x");
	CHECK(ok != SL_JSON_NONE && nd[ok].type == SL_JSON_TRUE);
	CHECK(rings != SL_JSON_NONE && nd[rings].type == SL_JSON_ARRAY);
	uint32_t r0 = nd[rings].child;
	uint32_t name = sl_json_get(nd, r0, "name"), used = sl_json_get(nd, r0, "used");
	CHECK(name != SL_JSON_NONE && nd[name].len == 4 && memcmp(nd[name].text, "a\\\"b", 4) == 0);
	CHECK(used != SL_JSON_NONE && nd[used].type == SL_JSON_NUMBER && nd[used].len == 5);
	CHECK(nd[nd[r0].next].type == SL_JSON_OBJECT && nd[nd[r0].next].child == SL_JSON_NONE);
	uint32_t y = sl_json_get(nd, x, "y");
	CHECK(y != SL_JSON_NONE && nd[nd[nd[nd[y].child].next].next].len == 2);
	CHECK_EQ(sl_json_get(nd, 0, "missing"), SL_JSON_NONE);
	CHECK_EQ(sl_json_get(nd, used, "x"), SL_JSON_NONE); /* not an object */

	CHECK_EQ(sl_json_parse(s, strlen(s), nd, 5, &n, err, sizeof err), -E2BIG);
	CHECK_EQ(sl_json_parse(s, strlen(s) - 1, nd, 64, &n, err, sizeof err), -EINVAL);
	CHECK_EQ(sl_json_parse("{\"a\":1,}", 8, nd, 64, &n, err, sizeof err), -EINVAL);
	CHECK_EQ(sl_json_parse("[1 2]", 5, nd, 64, &n, err, sizeof err), -EINVAL);
	CHECK_EQ(sl_json_parse("-", 1, nd, 64, &n, err, sizeof err), -EINVAL);
	CHECK_EQ(sl_json_parse("\"\\", 2, nd, 64, &n, err, sizeof err), -EINVAL);
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	CHECK_EQ(sl_json_parse(deep, sizeof deep, nd, 64, &n, err, sizeof err), -E2BIG);
	CHECK(strstr(err, "nested too deep") != NULL || strstr(err, "too many") != NULL);
	static struct sl_json_node big[256];
	CHECK_EQ(sl_json_parse(deep, sizeof deep, big, 256, &n, err, sizeof err), -E2BIG);
	CHECK(strstr(err, "nested too deep") != NULL);
}

int main(void)
{
	requests();
	replies();
	return check_result();
}
