/* SPDX-License-Identifier: MIT */
/*
 * sluicectl: the operator's client of sluiced's control socket. One request, one reply, a
 * table for people (or the reply itself with --json), and an exit code scripts can use. It
 * exists so nobody has to hand-write ZMQ and JSON at 3 a.m., and so that `rings` still says
 * something when sluiced does not: named rings keep their counters in shared headers
 * (sluice/ring.h), which this reads without taking a role when the daemon is stopped or hung.
 *
 * Exit codes: 0 answered ok; 1 sluiced answered with an error; 2 usage; 3 no answer (no
 * sluiced at the endpoint, or it did not reply within the timeout).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <zmq.h>

#include "curve.h"
#include "json.h"
#include "request.h"
#include "sluice/ring.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0.0.0"
#endif

#define DEFAULT_ENDPOINT "ipc:///run/sluiced.control"
#define MAX_NODES 65536
#define REPLY_MAX (16u << 20)

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: sluicectl [-e ENDPOINT] [-t MS] [--server-key FILE] [--client-key FILE] [--json]\n"
	        "                 COMMAND [ARG]\n"
	        "\n"
	        "Asks a running sluiced over its control socket (control.endpoint; control.enabled=true).\n"
	        "\n"
	        "commands:\n"
	        "  stats            the ledger, live (what --stats-json writes at exit)\n"
	        "  rings            occupancy and counters of every ring; with sluiced stopped or hung,\n"
	        "                   the shared headers of the named rings in /dev/shm ($SLUICE_SHM_DIR)\n"
	        "  flows [N]        the N flows with the most bytes (default 10, at most 100)\n"
	        "  reload           re-read the configuration (as SIGHUP)\n"
	        "  pause | resume   hold the captures / go on\n"
	        "  loglevel [LEVEL] show or set the log level (error warning notice info debug)\n"
	        "  version          sluiced's version, pid, uptime, configuration version\n"
	        "  shutdown         drain every ring and exit (as SIGTERM)\n"
	        "  keygen PREFIX    write a CURVE key pair: PREFIX.key (secret, 0600), PREFIX.pub\n"
	        "\n"
	        "  -e, --endpoint EP     ipc://PATH or tcp://ADDRESS:PORT (default $SLUICE_CONTROL or\n"
	        "                        " DEFAULT_ENDPOINT ")\n"
	        "  -t, --timeout MS      how long to wait for the reply (default 3000)\n"
	        "      --server-key FILE the control socket's CURVE public key (tcp with CURVE)\n"
	        "      --client-key FILE this client's CURVE secret key (default: a new one each time)\n"
	        "      --offline         rings: read the shared headers even if sluiced answers\n"
	        "      --json            print the reply as JSON\n"
	        "\n"
	        "exit status: 0 ok, 1 sluiced refused the request, 2 usage, 3 no answer from sluiced\n");
}

/* ---- printing a reply ---------------------------------------------------------------------- */

static void put(const char *s, uint32_t n)
{
	fwrite(s, 1, n, stdout);
}

/* scalars of an object, flattened with dotted names: "capture.packets  2000" */
static void flat(const struct sl_json_node *nd, uint32_t obj, char *prefix, size_t plen)
{
	for (uint32_t k = nd[obj].child; k != SL_JSON_NONE; k = nd[k].next) {
		size_t len = plen;
		int w = snprintf(prefix + plen, 256 - plen, "%s%.*s", plen ? "." : "", (int)nd[k].keylen, nd[k].key);
		if (w > 0)
			len = plen + (size_t)w < 256 ? plen + (size_t)w : 255;
		if (nd[k].type == SL_JSON_OBJECT) {
			flat(nd, k, prefix, len);
		} else if (nd[k].type == SL_JSON_ARRAY) {
			uint32_t c = nd[k].child;
			if (c != SL_JSON_NONE && nd[c].type == SL_JSON_OBJECT) {
				/* a table: the first row's member names are the columns */
				printf("\n%s\n", prefix);
				for (uint32_t m = nd[c].child; m != SL_JSON_NONE; m = nd[m].next)
					if (nd[m].type != SL_JSON_OBJECT && nd[m].type != SL_JSON_ARRAY)
						printf("%-*.*s ", m == nd[c].child ? 22 : 12, (int)nd[m].keylen, nd[m].key);
				printf("\n");
				for (uint32_t r = c; r != SL_JSON_NONE; r = nd[r].next) {
					for (uint32_t m = nd[r].child; m != SL_JSON_NONE; m = nd[m].next) {
						if (nd[m].type == SL_JSON_OBJECT || nd[m].type == SL_JSON_ARRAY)
							continue;
						int wd = m == nd[r].child ? 22 : 12;
						printf("%-*.*s ", wd, (int)nd[m].len, nd[m].text);
					}
					printf("\n");
				}
				printf("\n");
			} else {
				printf("%-40s ", prefix);
				for (; c != SL_JSON_NONE; c = nd[c].next) {
					put(nd[c].text ? nd[c].text : "", nd[c].text ? nd[c].len : 0);
					printf("%s", nd[c].next != SL_JSON_NONE ? "," : "");
				}
				printf("\n");
			}
		} else {
			printf("%-40s ", prefix);
			put(nd[k].text, nd[k].len);
			printf("\n");
		}
		prefix[plen] = 0;
	}
}

/* 0 ok:true, 1 ok:false (printed on stderr), 3 not a reply */
static int show(const char *reply, size_t len, int json)
{
	static struct sl_json_node nd[MAX_NODES];
	size_t n;
	char err[200], prefix[256] = "";

	if (sl_json_parse(reply, len, nd, MAX_NODES, &n, err, sizeof err) != 0 || nd[0].type != SL_JSON_OBJECT) {
		fprintf(stderr, "sluicectl: the reply is not a JSON object (%s)\n", err);
		return 3;
	}
	uint32_t ok = sl_json_get(nd, 0, "ok");
	if (ok == SL_JSON_NONE || nd[ok].type != SL_JSON_TRUE) {
		uint32_t e = sl_json_get(nd, 0, "error");
		if (json)
			printf("%.*s\n", (int)len, reply);
		fprintf(stderr, "sluicectl: sluiced: %.*s\n", e != SL_JSON_NONE ? (int)nd[e].len : 14,
		        e != SL_JSON_NONE ? nd[e].text : "refused (no error given)");
		return 1;
	}
	if (json) {
		printf("%.*s\n", (int)len, reply);
		return 0;
	}
	/* ok itself is not worth a line */
	for (uint32_t k = nd[0].child, prev = SL_JSON_NONE; k != SL_JSON_NONE; prev = k, k = nd[k].next)
		if (k == ok) {
			if (prev == SL_JSON_NONE)
				nd[0].child = nd[k].next;
			else
				nd[prev].next = nd[k].next;
			break;
		}
	flat(nd, 0, prefix, 0);
	return 0;
}

/* ---- rings without sluiced ---------------------------------------------------------------- */

static void offline_dir(const char *dir, FILE *f, int json, unsigned *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "sluice.", 7) != 0 || de->d_name[7] == 0)
			continue;
		const char *name = de->d_name + 7;
		int plain = 1;
		for (const char *q = name; *q; q++)
			plain &= *q > 0x20 && *q < 0x7f && *q != '"' && *q != '\\';
		if (!plain)
			continue; /* not a name sluice would give a ring; not worth quoting */
		sl_ring *r;
		struct sl_ring_stats st;
		char why[160] = "";
		int e = sl_ring_open(name, SL_RING_MONITOR, &r);
		if (e != 0) {
			if (json)
				fprintf(f, "%s{\"name\":\"%s\",\"error\":\"%s\"}", (*count)++ ? "," : "", name, strerror(-e));
			else
				fprintf(f, "%-24s %s\n", name, strerror(-e));
			continue;
		}
		sl_ring_stats(r, &st);
		int valid = sl_ring_validate(r, why, sizeof why) == 0;
		sl_ring_close(r);
		if (json) {
			fprintf(f,
			        "%s{\"name\":\"%s\",\"capacity\":%llu,\"used\":%llu,\"occupancy\":%.4f,\"records_in\":%llu,"
			        "\"records_out\":%llu,\"in_flight\":%llu,\"dropped\":%llu,\"full_events\":%llu,"
			        "\"producer_pid\":%d,\"producer_alive\":%s,\"consumer_pid\":%d,\"consumer_alive\":%s,"
			        "\"finished\":%s,\"backing\":\"%s\",\"valid\":%s}",
			        (*count)++ ? "," : "", name, (unsigned long long)st.capacity, (unsigned long long)st.used,
			        st.capacity ? (double)st.used / (double)st.capacity : 0.0, (unsigned long long)st.records_in,
			        (unsigned long long)st.records_out, (unsigned long long)(st.records_in - st.records_out),
			        (unsigned long long)st.dropped, (unsigned long long)st.full_events, st.producer_pid,
			        st.producer_alive ? "true" : "false", st.consumer_pid, st.consumer_alive ? "true" : "false",
			        st.finished ? "true" : "false", sl_ring_backing_name(st.backing), valid ? "true" : "false");
		} else {
			if ((*count)++ == 0)
				fprintf(f, "%-24s %10s %6s %12s %12s %10s %10s %-14s %-14s\n", "ring", "capacity", "used%", "in",
				        "out", "in_flight", "dropped", "producer", "consumer");
			char prod[32], cons[32];
			snprintf(prod, sizeof prod, "%d %s", st.producer_pid, st.producer_alive ? "alive" : "gone");
			snprintf(cons, sizeof cons, "%d %s", st.consumer_pid, st.consumer_alive ? "alive" : "gone");
			fprintf(f, "%-24s %10llu %5.1f%% %12llu %12llu %10llu %10llu %-14s %-14s%s%s%s\n", name,
			        (unsigned long long)st.capacity, st.capacity ? 100.0 * (double)st.used / (double)st.capacity : 0.0,
			        (unsigned long long)st.records_in, (unsigned long long)st.records_out,
			        (unsigned long long)(st.records_in - st.records_out), (unsigned long long)st.dropped, prod, cons,
			        st.finished ? " finished" : "", valid ? "" : " CORRUPT: ", valid ? "" : why);
		}
	}
	closedir(d);
}

/* The hugetlbfs the ring library would use: $SLUICE_HUGETLBFS, else the first in /proc/mounts */
static int hugetlbfs_dir(char *out, size_t n)
{
	const char *env = getenv("SLUICE_HUGETLBFS");
	char line[512], dev[128], dir[256], type[64];
	FILE *f;

	if (env && env[0]) {
		snprintf(out, n, "%s", env);
		return 1;
	}
	if ((f = fopen("/proc/mounts", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%127s %255s %63s", dev, dir, type) == 3 && strcmp(type, "hugetlbfs") == 0) {
			snprintf(out, n, "%s", dir);
			fclose(f);
			return 1;
		}
	fclose(f);
	return 0;
}

static int offline_rings(int json, const char *why)
{
	const char *shm = getenv("SLUICE_SHM_DIR");
	char huge[256];
	unsigned count = 0;

	if (shm == NULL || shm[0] == 0)
		shm = "/dev/shm";
	if (json)
		printf("{\"ok\":true,\"source\":\"shared headers\",\"sluiced\":\"not answering\",\"rings\":[");
	else
		printf("%s; named rings from their shared headers (%s):\n", why, shm);
	offline_dir(shm, stdout, json, &count);
	if (hugetlbfs_dir(huge, sizeof huge) && strcmp(huge, shm) != 0)
		offline_dir(huge, stdout, json, &count);
	if (json)
		printf("]}\n");
	else if (count == 0)
		printf("(no named ring)\n");
	return 0;
}

/* ---- keys ------------------------------------------------------------------------------------ */

static int keygen(const char *prefix)
{
	char pub[41], sec[41], path[4096];
	int fd;
	FILE *f;

	if (zmq_curve_keypair(pub, sec) != 0) {
		fprintf(stderr, "sluicectl: keygen: %s (libzmq without CURVE?)\n", zmq_strerror(errno));
		return 1;
	}
	snprintf(path, sizeof path, "%s.key", prefix);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "sluicectl: keygen: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	fprintf(f, "# CURVE secret key (Z85); keep it mode 0600\n%s\n", sec);
	if (fclose(f) != 0) {
		fprintf(stderr, "sluicectl: keygen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof path, "%s.pub", prefix);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "sluicectl: keygen: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	fprintf(f, "# CURVE public key (Z85)\n%s\n", pub);
	if (fclose(f) != 0) {
		fprintf(stderr, "sluicectl: keygen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("%s.key (secret) and %s.pub (public: %s)\n", prefix, prefix, pub);
	return 0;
}

/* ---- the request ----------------------------------------------------------------------------- */

/* 0 with the reply in *out (malloc'd), or 3 with why (no sluiced, no answer) */
static int ask(const char *ep, const char *req, int timeout_ms, const char *server_key, const char *client_key,
               char **out, size_t *outlen, char *why, size_t whylen)
{
	void *ctx = zmq_ctx_new(), *s = ctx ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
	int rc = 3, zero = 0, one = 1;
	char err[512];

	if (s == NULL) {
		snprintf(why, whylen, "zmq: %s", zmq_strerror(errno));
		goto out;
	}
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof one); /* nothing queued for a peer not there */
	zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms);
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
	int64_t cap = REPLY_MAX;
	zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &cap, sizeof cap);
	if (server_key) {
		char spub[41], csec[41], cpub[41];
		if (sl_curve_load_key("--server-key", server_key, 0, spub, err, sizeof err) != 0) {
			snprintf(why, whylen, "%s", err);
			rc = 2;
			goto out;
		}
		if (client_key) {
			if (sl_curve_load_key("--client-key", client_key, 1, csec, err, sizeof err) != 0) {
				snprintf(why, whylen, "%s", err);
				rc = 2;
				goto out;
			}
			zmq_curve_public(cpub, csec);
		} else if (zmq_curve_keypair(cpub, csec) != 0) {
			snprintf(why, whylen, "CURVE: %s (libzmq without CURVE?)", zmq_strerror(errno));
			goto out;
		}
		zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, spub, 40);
		zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, cpub, 40);
		zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, csec, 40);
		memset(csec, 0, sizeof csec);
	}
	/* an ipc socket file with nobody behind it (sluiced stopped or killed) refuses a plain
	 * connect at once, where ZMQ would wait out the timeout */
	if (strncmp(ep, "ipc://", 6) == 0 && ep[6] != '@') {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		snprintf(sun.sun_path, sizeof sun.sun_path, "%s", ep + 6);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
			snprintf(why, whylen, "no sluiced at %s (%s)", ep, strerror(errno));
			close(fd);
			goto out;
		}
		if (fd >= 0)
			close(fd);
	}
	if (zmq_connect(s, ep) != 0) {
		snprintf(why, whylen, "%s: %s", ep, zmq_strerror(errno));
		rc = 2;
		goto out;
	}
	if (zmq_send(s, req, strlen(req), 0) < 0) {
		/* ZMQ_IMMEDIATE: nothing is sent before the ZMTP handshake, which a stopped or hung
		 * sluiced, an empty port or a CURVE key that does not match never completes */
		snprintf(why, whylen, "no reply from sluiced at %s within %d ms (no handshake: nobody there, hung, or "
		         "the wrong CURVE key)", ep, timeout_ms);
		goto out;
	}
	zmq_msg_t m;
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, s, 0) < 0) {
		zmq_msg_close(&m);
		snprintf(why, whylen, "no reply from sluiced at %s within %d ms", ep, timeout_ms);
		goto out;
	}
	*outlen = zmq_msg_size(&m);
	*out = malloc(*outlen + 1);
	if (*out) {
		memcpy(*out, zmq_msg_data(&m), *outlen);
		(*out)[*outlen] = 0;
		rc = 0;
	} else {
		snprintf(why, whylen, "out of memory");
	}
	zmq_msg_close(&m);
out:
	if (s)
		zmq_close(s);
	if (ctx)
		zmq_ctx_term(ctx);
	return rc;
}

int main(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_SKEY, OPT_CKEY, OPT_OFFLINE };
	static const struct option opts[] = {
		{ "endpoint", required_argument, 0, 'e' },     { "timeout", required_argument, 0, 't' },
		{ "server-key", required_argument, 0, OPT_SKEY }, { "client-key", required_argument, 0, OPT_CKEY },
		{ "json", no_argument, 0, OPT_JSON },           { "offline", no_argument, 0, OPT_OFFLINE },
		{ "help", no_argument, 0, 'h' },                { "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	const char *ep = getenv("SLUICE_CONTROL"), *skey = NULL, *ckey = NULL;
	int o, json = 0, offline = 0, timeout = 3000;

	if (ep == NULL || ep[0] == 0)
		ep = DEFAULT_ENDPOINT;
	/* options may follow the command too: sluicectl stats --json */
	while ((o = getopt_long(argc, argv, "e:t:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'e': ep = optarg; break;
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 3600000) {
				fprintf(stderr, "sluicectl: -t %s: milliseconds, 1 to 3600000\n", optarg);
				return 2;
			}
			timeout = (int)v;
			break;
		}
		case OPT_SKEY: skey = optarg; break;
		case OPT_CKEY: ckey = optarg; break;
		case OPT_JSON: json = 1; break;
		case OPT_OFFLINE: offline = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sluicectl %s\n", SLUICE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[optind], *arg = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (optind + 2 < argc) {
		fprintf(stderr, "sluicectl: %s: unexpected argument '%s'\n", cmd, argv[optind + 2]);
		return 2;
	}
	if (strcmp(cmd, "keygen") == 0) {
		if (arg == NULL) {
			fprintf(stderr, "sluicectl: keygen PREFIX\n");
			return 2;
		}
		return keygen(arg);
	}
	int known = 0;
	for (int c = 1; c < SL_CTL_CMD_END; c++)
		known |= strcmp(cmd, sl_ctl_cmd_name((enum sl_ctl_cmd)c)) == 0;
	if (!known) {
		fprintf(stderr, "sluicectl: unknown command '%s' (sluicectl --help)\n", cmd);
		return 2;
	}
	char req[160];
	if (strcmp(cmd, "flows") == 0 && arg) {
		char *end;
		long n = strtol(arg, &end, 10);
		if (*end || n < 1 || n > SL_CTL_FLOWS_MAX) {
			fprintf(stderr, "sluicectl: flows N: N from 1 to %d\n", SL_CTL_FLOWS_MAX);
			return 2;
		}
		snprintf(req, sizeof req, "{\"cmd\":\"flows\",\"n\":%ld}", n);
	} else if (strcmp(cmd, "loglevel") == 0 && arg) {
		int lv = -1;
		for (int i = 0; sl_ctl_level_name(i); i++)
			if (strcmp(arg, sl_ctl_level_name(i)) == 0)
				lv = i;
		if (lv < 0) {
			fprintf(stderr, "sluicectl: loglevel LEVEL: error, warning, notice, info or debug\n");
			return 2;
		}
		snprintf(req, sizeof req, "{\"cmd\":\"loglevel\",\"level\":\"%s\"}", arg);
	} else if (arg) {
		fprintf(stderr, "sluicectl: %s takes no argument\n", cmd);
		return 2;
	} else {
		snprintf(req, sizeof req, "{\"cmd\":\"%s\"}", cmd);
	}
	if (strcmp(cmd, "rings") == 0 && offline)
		return offline_rings(json, "not asked (--offline)");

	char *reply = NULL, why[600];
	size_t len = 0;
	int rc = ask(ep, req, timeout, skey, ckey, &reply, &len, why, sizeof why);
	if (rc != 0) {
		if (strcmp(cmd, "rings") == 0 && rc == 3)
			return offline_rings(json, why) == 0 ? 0 : 3;
		fprintf(stderr, "sluicectl: %s\n", why);
		return rc;
	}
	rc = show(reply, len, json);
	free(reply);
	return rc;
}
