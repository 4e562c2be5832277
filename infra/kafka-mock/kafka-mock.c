/*
 * kafka-mock: a Kafka-protocol broker for tests and the demo.
 *
 * It runs the mock cluster that ships inside librdkafka (rdkafka_mock.h), which speaks the Kafka wire
 * protocol over TCP: kafkajs connects to it exactly as to Apache Kafka. The launcher pre-creates the
 * project's topics, prints one line `BOOTSTRAP <host:port,...>` on stdout, then reads control commands on
 * stdin (one per line, each answered by `OK ...` or `ERR ...`):
 *
 *   topic <name> <partitions>           create a topic
 *   broker-down <id> | broker-up <id>   stop / restart accepting connections on a broker
 *   all-down | all-up                   the same for every broker
 *   rtt <id> <ms>                       add latency to a broker's responses
 *   errors <apikey> <errcode> [count]   push request errors for an API key (e.g. 0 = Produce)
 *   clear-errors <apikey>               drop pushed errors for an API key
 *   topic-error <name> <errcode>        make a topic report an error in metadata
 *   ping                                liveness check
 *   quit                                exit
 *
 * It exits when stdin reaches end-of-file or when its parent dies (PR_SET_PDEATHSIG), so a test run
 * leaves no orphan brokers behind.
 *
 * Usage: kafka-mock [--brokers N] [--topic name:partitions ...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 64

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
        (void)sig;
        stop_requested = 1;
}

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
}

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *name, int partitions) {
        rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, partitions, 1);
        if (err) {
                fprintf(stderr, "kafka-mock: cannot create topic %s: %s\n", name, rd_kafka_err2str(err));
                return -1;
        }
        return 0;
}

static void handle_command(rd_kafka_mock_cluster_t *mc, int brokers, char *line) {
        char cmd[64] = {0}, arg1[256] = {0};
        long a = 0, b = 0, c = 1;
        int n = sscanf(line, "%63s", cmd);
        if (n < 1)
                return;

        if (!strcmp(cmd, "ping")) {
                reply("OK pong");
        } else if (!strcmp(cmd, "quit")) {
                stop_requested = 1;
                reply("OK bye");
        } else if (!strcmp(cmd, "topic") && sscanf(line, "%*s %255s %ld", arg1, &a) == 2) {
                if (create_topic(mc, arg1, (int)a) == 0)
                        reply("OK topic %s %ld", arg1, a);
                else
                        reply("ERR topic %s", arg1);
        } else if (!strcmp(cmd, "broker-down") && sscanf(line, "%*s %ld", &a) == 1) {
                rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(mc, (int32_t)a);
                if (err) reply("ERR %s", rd_kafka_err2str(err)); else reply("OK broker-down %ld", a);
        } else if (!strcmp(cmd, "broker-up") && sscanf(line, "%*s %ld", &a) == 1) {
                rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(mc, (int32_t)a);
                if (err) reply("ERR %s", rd_kafka_err2str(err)); else reply("OK broker-up %ld", a);
        } else if (!strcmp(cmd, "all-down") || !strcmp(cmd, "all-up")) {
                int up = !strcmp(cmd, "all-up");
                for (int id = 1; id <= brokers; id++) {
                        if (up) rd_kafka_mock_broker_set_up(mc, id);
                        else rd_kafka_mock_broker_set_down(mc, id);
                }
                reply("OK %s", cmd);
        } else if (!strcmp(cmd, "rtt") && sscanf(line, "%*s %ld %ld", &a, &b) == 2) {
                rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_rtt(mc, (int32_t)a, (int)b);
                if (err) reply("ERR %s", rd_kafka_err2str(err)); else reply("OK rtt %ld %ld", a, b);
        } else if (!strcmp(cmd, "errors") && sscanf(line, "%*s %ld %ld %ld", &a, &b, &c) >= 2) {
                if (c < 1) c = 1;
                rd_kafka_resp_err_t *errs = calloc((size_t)c, sizeof(*errs));
                for (long i = 0; i < c; i++) errs[i] = (rd_kafka_resp_err_t)b;
                rd_kafka_mock_push_request_errors_array(mc, (int16_t)a, (size_t)c, errs);
                free(errs);
                reply("OK errors %ld %ld %ld", a, b, c);
        } else if (!strcmp(cmd, "clear-errors") && sscanf(line, "%*s %ld", &a) == 1) {
                rd_kafka_mock_clear_request_errors(mc, (int16_t)a);
                reply("OK clear-errors %ld", a);
        } else if (!strcmp(cmd, "topic-error") && sscanf(line, "%*s %255s %ld", arg1, &a) == 2) {
                rd_kafka_mock_topic_set_error(mc, arg1, (rd_kafka_resp_err_t)a);
                reply("OK topic-error %s %ld", arg1, a);
        } else {
                reply("ERR unknown command: %s", cmd);
        }
}

int main(int argc, char **argv) {
        int brokers = 1;
        const char *topics[MAX_TOPICS];
        int partitions[MAX_TOPICS];
        int ntopics = 0;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
                        brokers = atoi(argv[++i]);
                } else if (!strcmp(argv[i], "--topic") && i + 1 < argc && ntopics < MAX_TOPICS) {
                        char *spec = argv[++i];
                        char *colon = strrchr(spec, ':');
                        partitions[ntopics] = colon ? atoi(colon + 1) : 1;
                        if (colon) *colon = '\0';
                        topics[ntopics++] = spec;
                } else {
                        fprintf(stderr, "usage: %s [--brokers N] [--topic name:partitions ...]\n", argv[0]);
                        return 2;
                }
        }
        if (brokers < 1) brokers = 1;

        /* Die with the parent, and treat stdin EOF the same way (covers a parent that closes the pipe). */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() == 1) return 0;
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        signal(SIGPIPE, SIG_IGN);

        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        /* The handle only hosts the mock cluster's thread; keep its own logging quiet. */
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "kafka-mock: rd_kafka_new: %s\n", errstr);
                return 1;
        }
        rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
        if (!mc) {
                fprintf(stderr, "kafka-mock: cannot start mock cluster\n");
                return 1;
        }
        for (int i = 0; i < ntopics; i++)
                if (create_topic(mc, topics[i], partitions[i]) != 0) return 1;

        reply("BOOTSTRAP %s", rd_kafka_mock_cluster_bootstraps(mc));

        char line[1024];
        while (!stop_requested) {
                if (!fgets(line, sizeof(line), stdin)) {
                        if (errno == EINTR && !feof(stdin)) { clearerr(stdin); continue; }
                        break; /* EOF: the parent is gone or closed our stdin */
                }
                handle_command(mc, brokers, line);
        }

        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
}
