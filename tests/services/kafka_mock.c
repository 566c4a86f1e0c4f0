/* SPDX-License-Identifier: MIT */
/*
 * sluice-kafka-mock: librdkafka's mock cluster as a process of its own, so tests talk the real
 * Kafka protocol over TCP to something they start and stop themselves, with no JVM.
 *
 *   sluice-kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...
 *
 * Prints "bootstrap=HOST:PORT,..." on one line of stdout once the brokers listen (the mock binds
 * to 127.0.0.1 only). Signals drive it: SIGUSR1 takes every broker down (connections closed,
 * new ones refused), SIGUSR2 brings them all back, SIGHUP takes broker 1 alone down or, the
 * next time, up again (with --brokers 3, the leader of about a third of the partitions),
 * SIGTERM/SIGINT stop it. Each state change is printed ("down", "up", "down 1", "up 1") after
 * it took effect, so a script can wait for it.
 *
 * The mock keeps at most about 5 MiB per partition; a test writing a million records needs
 * enough partitions (a dozen held 1M flow records).
 */
#define _POSIX_C_SOURCE 200809L
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
	fprintf(stderr, "usage: sluice-kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...\n");
	exit(2);
}

static long num_arg(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "sluice-kafka-mock: %s: '%s' is not a number in [%ld, %ld]\n", what, s,
		        lo, hi);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	int brokers = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--brokers") && i + 1 < argc)
			brokers = (int)num_arg(argv[++i], 1, 16, "--brokers");
		else if (!strcmp(argv[i], "--topic") && i + 1 < argc)
			i++; /* created below, once the cluster exists */
		else
			usage();
	}

	/* Block the signals before librdkafka starts its threads: they inherit the mask, so only
	 * sigwait() below ever sees them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	char err[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	/* The handle is only the mock's bookkeeping; it never connects anywhere. */
	if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "sluice-kafka-mock: %s\n", err);
		return 1;
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
	if (!rk) {
		fprintf(stderr, "sluice-kafka-mock: rd_kafka_new: %s\n", err);
		return 1;
	}
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (!mc) {
		fprintf(stderr, "sluice-kafka-mock: cannot create the mock cluster\n");
		rd_kafka_destroy(rk);
		return 1;
	}

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--topic"))
			continue;
		char name[250];
		const char *arg = argv[++i], *colon = strrchr(arg, ':');
		if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof name) {
			fprintf(stderr, "sluice-kafka-mock: --topic '%s': want NAME:PARTITIONS\n", arg);
			return 2;
		}
		memcpy(name, arg, (size_t)(colon - arg));
		name[colon - arg] = 0;
		int parts = (int)num_arg(colon + 1, 1, 1000, "--topic partitions");
		rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, name, parts, 1);
		if (e) {
			fprintf(stderr, "sluice-kafka-mock: topic %s: %s\n", name, rd_kafka_err2str(e));
			return 1;
		}
	}

	printf("bootstrap=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);

	int rc = 0;
	for (;;) {
		int sig;
		if (sigwait(&set, &sig))
			continue;
		if (sig == SIGHUP) {
			static int one_down;
			one_down = !one_down;
			rd_kafka_resp_err_t e = one_down ? rd_kafka_mock_broker_set_down(mc, 1)
			                                 : rd_kafka_mock_broker_set_up(mc, 1);
			if (e)
				fprintf(stderr, "sluice-kafka-mock: broker 1: %s\n", rd_kafka_err2str(e));
			printf("%s\n", one_down ? "down 1" : "up 1");
			fflush(stdout);
			continue;
		}
		if (sig == SIGUSR1 || sig == SIGUSR2) {
			rd_kafka_resp_err_t e = sig == SIGUSR1 ? rd_kafka_mock_broker_set_down(mc, -1)
			                                       : rd_kafka_mock_broker_set_up(mc, -1);
			if (e)
				fprintf(stderr, "sluice-kafka-mock: %s\n", rd_kafka_err2str(e));
			printf("%s\n", sig == SIGUSR1 ? "down" : "up");
			fflush(stdout);
			continue;
		}
		break;
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return rc;
}
