/* SPDX-License-Identifier: MIT */
/*
 * sluiced: the command line and the signals, nothing else. The configuration is built in
 * order — built-in defaults, the -c file, --set overrides, then the short flags (-w, -o) —
 * and handed to the engine, which runs until its input ends or a signal stops it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "config/pgconf.h"
#include "engine.h"
#include "log.h"
#include "ops.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0.0.0"
#endif

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: sluiced [-c FILE] [-r PCAP]... [-i IFACE] [--shm-input NAME] [--synth]\n"
	        "               [-o PATH|-] [-w WORKERS] [--set KEY=VALUE]... [--stats-json PATH]\n"
	        "               [-D] [--dump-config] [--version] [--help]\n"
	        "\n"
	        "Captures packets, analyses them on pinned workers (flows, HTTP, TLS, DNS) and writes\n"
	        "EVE JSON records. With -r it reads the files in order, drains, prints the ledger to\n"
	        "stderr and exits 0.\n"
	        "\n"
	        "  -c, --config FILE       YAML configuration (conf/sluice.yaml documents every key)\n"
	        "  -r, --read PCAP         read a pcap or pcapng file; repeat for several, in order\n"
	        "  -i, --interface IFACE   capture live from IFACE (AF_PACKET, TPACKET_V3, fanout)\n"
	        "      --shm-input NAME    read packet records from the named sluice ring NAME\n"
	        "      --synth             generate synthetic HTTP/DNS/TLS traffic (capture.synth.*)\n"
	        "  -o, --output PATH|-     EVE JSON lines to PATH, or - for stdout (outputs.file.path)\n"
	        "  -w, --workers N         worker threads (workers.count)\n"
	        "      --set KEY=VALUE     override one configuration key, e.g. --set flow.max-flows=1000\n"
	        "      --stats-json PATH   write the ledger as JSON to PATH at exit\n"
	        "  -q, --quiet             no progress line on a terminal\n"
	        "  -D, --daemon            detach from the terminal (with run.pid-file, log.file or\n"
	        "                          log.syslog); under systemd use the unit's Type=notify instead\n"
	        "      --dump-config       print the effective configuration as YAML and exit\n"
	        "  -V, --version           print the version and exit\n"
	        "  -h, --help              this text\n"
	        "\n"
	        "Signals: SIGINT/SIGTERM drain every ring, flush every sink and exit (twice: stop\n"
	        "waiting on full rings); SIGHUP reloads the configuration file.\n");
}

enum { OPT_SHM = 256, OPT_SYNTH, OPT_SET, OPT_STATS_JSON, OPT_DUMP };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, 0, 'c' },     { "read", required_argument, 0, 'r' },
		{ "interface", required_argument, 0, 'i' },  { "shm-input", required_argument, 0, OPT_SHM },
		{ "synth", no_argument, 0, OPT_SYNTH },      { "output", required_argument, 0, 'o' },
		{ "workers", required_argument, 0, 'w' },    { "set", required_argument, 0, OPT_SET },
		{ "stats-json", required_argument, 0, OPT_STATS_JSON },
		{ "quiet", no_argument, 0, 'q' },            { "daemon", no_argument, 0, 'D' },
		{ "dump-config", no_argument, 0, OPT_DUMP }, { "version", no_argument, 0, 'V' },
		{ "help", no_argument, 0, 'h' },             { 0, 0, 0, 0 },
	};
	struct sl_engine_opts eo = { 0 };
	struct sl_pgconf_rows *db = NULL; /* the database's settings (postgres.enabled) */
	struct sl_config cfg;
	const char **pcaps = calloc((size_t)argc + 1, sizeof *pcaps);
	const char **sets = calloc((size_t)argc + 3, sizeof *sets);
	const char *config = NULL, *output = NULL, *workers = NULL;
	size_t npcaps = 0, nsets = 0;
	int o, daemonize = 0, dump = 0, quiet = 0, rc, pidfd = -1;
	char err[1024];

	if (pcaps == NULL || sets == NULL)
		return 1;
	while ((o = getopt_long(argc, argv, "c:r:i:o:w:qDVh", opts, NULL)) != -1) {
		switch (o) {
		case 'c': config = optarg; break;
		case 'r': pcaps[npcaps++] = optarg; break;
		case 'i': eo.inputs.iface = optarg; break;
		case OPT_SHM: eo.inputs.shm = optarg; break;
		case OPT_SYNTH: eo.inputs.synth = 1; break;
		case 'o': output = optarg; break;
		case 'w': workers = optarg; break;
		case OPT_SET: sets[nsets++] = optarg; break;
		case OPT_STATS_JSON: eo.stats_json = optarg; break;
		case 'q': quiet = 1; break;
		case 'D': daemonize = 1; break;
		case OPT_DUMP: dump = 1; break;
		case 'V': printf("sluiced %s\n", SLUICE_VERSION); rc = 0; goto out_args;
		case 'h': usage(stdout); rc = 0; goto out_args;
		default: usage(stderr); rc = 2; goto out_args;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sluiced: unexpected argument '%s' (files to read take -r)\n", argv[optind]);
		rc = 2;
		goto out_args;
	}

	/* -w and -o are --set in short: they go last, so they win */
	char wset[64], *oset = NULL;
	if (workers) {
		snprintf(wset, sizeof wset, "workers.count=%s", workers);
		sets[nsets++] = wset;
	}
	if (output) {
		size_t len = strlen(output) + 32;
		if ((oset = malloc(len)) == NULL) {
			rc = 1;
			goto out_args;
		}
		snprintf(oset, len, "outputs.file.path=%s", output);
		sets[nsets++] = oset;
	}
	sets[nsets] = NULL;

	if (sl_engine_conf_register(err, sizeof err) != 0) { /* a module's block is broken: a bug */
		fprintf(stderr, "sluiced: %s\n", err);
		free(oset);
		rc = 1;
		goto out_args;
	}
	rc = 2; /* a bad configuration, until it is known to be good */
	if (sl_engine_config(&cfg, config, NULL, sets, err, sizeof err) != 0) {
		fprintf(stderr, "sluiced: %s\n", err);
		goto out;
	}
	/* The database comes between the file and the command line: read it, then build again. A
	 * database that does not answer is not fatal (the listener keeps trying, and applies what
	 * it reads later); a bad row is, as a bad file is. */
	if (cfg.postgres.enabled) {
		struct sl_pgconf_opts po = { .conninfo = cfg.postgres.conninfo, .sensor = cfg.postgres.sensor,
			                     .channel = cfg.postgres.channel,
			                     .connect_timeout_ns = cfg.postgres.connect_timeout_ns };
		int pe = sl_pgconf_read(&po, &db, err, sizeof err);
		if (pe == -EINVAL) {
			fprintf(stderr, "sluiced: %s\n", err);
			goto out;
		}
		if (pe != 0) {
			fprintf(stderr, "sluiced: %s; starting with the file's settings, the database's follow once it answers\n",
			        err);
		} else {
			sl_conf_fini(&cfg);
			if (sl_engine_config(&cfg, config, db, sets, err, sizeof err) != 0) {
				fprintf(stderr, "sluiced: %s\n", err);
				goto out;
			}
		}
	}
	if (dump) {
		sl_conf_dump(&cfg, stdout);
		rc = 0;
		goto out;
	}
	sl_log_set_level((enum sl_log_level)cfg.log.level);
	sl_log_set_rate((long)cfg.log.rate_limit);
	if (sl_log_open(cfg.log.file) != 0) {
		fprintf(stderr, "sluiced: log.file: cannot open %s: %s\n", cfg.log.file, strerror(errno));
		goto out;
	}
	/* locked before daemon(), so "already running" reaches the terminal */
	pidfd = sl_pidfile_lock(cfg.run.pid_file, err, sizeof err);
	if (pidfd == -2) {
		fprintf(stderr, "sluiced: %s\n", err);
		goto out;
	}

	eo.inputs.pcaps = npcaps ? pcaps : NULL;
	eo.config_path = config;
	eo.sets = sets;
	eo.db = db;
	db = NULL; /* the engine's now */
	eo.progress = !quiet && !daemonize && isatty(STDERR_FILENO);
	/* A daemon's stdout and stderr are /dev/null: records and the log need files. */
	char fen[16] = "", fpath[16] = "";
	sl_conf_format(&cfg, sl_conf_key_find("outputs.file.enabled"), fen, sizeof fen);
	sl_conf_format(&cfg, sl_conf_key_find("outputs.file.path"), fpath, sizeof fpath);
	if (daemonize && strcmp(fen, "true") == 0 && strcmp(fpath, "\"-\"") == 0) {
		fprintf(stderr, "sluiced: -D: records would go to /dev/null; give -o PATH (outputs.file.path)\n");
		goto out;
	}
	if (daemonize && cfg.log.file[0] == '\0')
		fprintf(stderr, "sluiced: -D: the log goes to /dev/null; set log.file to keep it\n");
	if (daemonize && daemon(1, 0) != 0) {
		fprintf(stderr, "sluiced: daemon: %s\n", strerror(errno));
		rc = 1;
		goto out;
	}
	if (pidfd >= 0 && sl_pidfile_write(pidfd, err, sizeof err) != 0) {
		fprintf(stderr, "sluiced: %s\n", err);
		rc = 1;
		goto out;
	}
	if (cfg.log.syslog)
		sl_log_syslog(1);

	/* Every thread inherits this mask; only the engine's main loop takes these signals. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout is a write error the sink counts */

	rc = sl_engine_run(&cfg, &eo);
out:
	sl_pgconf_rows_free(db);
	if (pidfd >= 0)
		sl_pidfile_release(pidfd, cfg.run.pid_file);
	sl_conf_fini(&cfg);
	free(oset);
out_args:
	free(pcaps);
	free(sets);
	return rc;
}
