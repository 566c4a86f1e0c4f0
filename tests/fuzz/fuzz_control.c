/* SPDX-License-Identifier: MIT */
/*
 * fuzz.control: the control socket's request parser (what any client may send sluiced) and
 * sluicectl's reply reader (what a process at the endpoint may send back), on the same bytes.
 * Beyond the sanitizers, each checks what its callers rely on: a request that parses has a
 * known command and an n within bounds; every node the reader returns points inside the input.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "request.h"

static struct sl_json_node nodes[512];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_ctl_req req;
	char err[256];
	size_t n;

	if (sl_ctl_parse((const char *)data, size, &req, err, sizeof err) == 0) {
		assert(sl_ctl_cmd_name(req.cmd) != NULL);
		assert(req.n >= 1 && req.n <= SL_CTL_FLOWS_MAX);
		assert(req.level >= -1 && req.level <= 4);
	} else {
		assert(memchr(err, 0, sizeof err) != NULL && err[0] != 0);
	}
	if (sl_json_parse((const char *)data, size, nodes, sizeof nodes / sizeof nodes[0], &n, err, sizeof err) == 0) {
		assert(n >= 1 && n <= sizeof nodes / sizeof nodes[0]);
		for (size_t i = 0; i < n; i++) {
			const char *b = (const char *)data;
			if (nodes[i].text)
				assert(nodes[i].text >= b && nodes[i].text + nodes[i].len <= b + size);
			if (nodes[i].key)
				assert(nodes[i].key >= b && nodes[i].key + nodes[i].keylen <= b + size);
			assert(nodes[i].child == SL_JSON_NONE || nodes[i].child < n);
			assert(nodes[i].next == SL_JSON_NONE || nodes[i].next < n);
		}
		(void)sl_json_get(nodes, 0, "ok");
	}
	return 0;
}
