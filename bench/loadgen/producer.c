/*
 * The harness's native producer: librdkafka called from C, so that the load generator is not
 * the bottleneck for small records (from .NET, one Produce call per record cost ~0.8 us and
 * the client needed 1.3 cores for 1.8 M records/s of 100 B).
 *
 *   producer BOOTSTRAP TOPIC RECORD_BYTES ACKS LINGER_MS BATCH_BYTES SECONDS MAX_RECORDS
 *
 * First produces one warm-up record and flushes it (connection and metadata outside the timed
 * window), then produces RECORD_BYTES-sized values (no key; librdkafka's partitioner spreads
 * them) as fast as librdkafka accepts them for SECONDS or MAX_RECORDS, flushes (up to 120 s),
 * and prints one line: "sent <n> failed <n> undelivered <n> seconds <s> cpu <s>" (seconds
 * include the flush and exclude the warm-up; cpu is this process's user+system time for the
 * whole run). Delivery reports are counted in C (a counter, no per-record work). Exit 0 on
 * success, 2 on bad arguments, 1 when the client cannot be created or the warm-up fails.
 *
 * Built by the harness with: cc -O2 -o producer producer.c -lrdkafka (Debian librdkafka-dev).
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static long long failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
    (void)rk;
    (void)opaque;
    if (message->err) {
        failed++;
    }
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int set(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char error[512];
    if (rd_kafka_conf_set(conf, key, value, error, sizeof error) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "%s=%s: %s\n", key, value, error);
        return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 9) {
        fprintf(stderr, "usage: %s BOOTSTRAP TOPIC RECORD_BYTES ACKS LINGER_MS BATCH_BYTES SECONDS MAX_RECORDS\n", argv[0]);
        return 2;
    }
    const char *bootstrap = argv[1], *topic = argv[2], *acks = argv[4], *linger = argv[5], *batch = argv[6];
    long size = atol(argv[3]);
    double seconds = atof(argv[7]);
    long long max_records = atoll(argv[8]);
    if (size <= 0 || size > 1048576 || seconds <= 0 || max_records <= 0) {
        fprintf(stderr, "bad RECORD_BYTES, SECONDS or MAX_RECORDS\n");
        return 2;
    }

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char error[512];
    if (!set(conf, "bootstrap.servers", bootstrap) || !set(conf, "acks", acks) || !set(conf, "linger.ms", linger)
        || !set(conf, "batch.size", batch) || !set(conf, "compression.type", "none") || !set(conf, "enable.idempotence", "false")
        || !set(conf, "queue.buffering.max.messages", "1000000") || !set(conf, "queue.buffering.max.kbytes", "262144")
        || !set(conf, "message.timeout.ms", "60000")) {
        return 2;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (!producer) {
        fprintf(stderr, "cannot create the producer: %s\n", error);
        return 1;
    }
    rd_kafka_topic_t *handle = rd_kafka_topic_new(producer, topic, NULL);
    char *payload = malloc(size);
    for (long i = 0; i < size; i++) {
        payload[i] = (char)(i * 131 + 7);
    }

    if (rd_kafka_produce(handle, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, size, NULL, 0, NULL) == -1
        || rd_kafka_flush(producer, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR || failed > 0) {
        fprintf(stderr, "the warm-up record was not delivered\n");
        return 1;
    }

    double start = now_seconds();
    long long sent = 0;
    while (sent < max_records) {
        if ((sent & 1023) == 0 && now_seconds() - start >= seconds) {
            break;
        }
        if (rd_kafka_produce(handle, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, size, NULL, 0, NULL) == -1) {
            if (rd_kafka_last_error() == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                rd_kafka_poll(producer, 1);
                continue;
            }
            failed++;
            continue;
        }
        sent++;
        if ((sent & 4095) == 0) {
            rd_kafka_poll(producer, 0);
        }
    }
    rd_kafka_flush(producer, 120000);
    double elapsed = now_seconds() - start;
    int undelivered = rd_kafka_outq_len(producer);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    printf("sent %lld failed %lld undelivered %d seconds %.6f cpu %.3f\n", sent, failed, undelivered, elapsed, cpu);
    free(payload);
    rd_kafka_topic_destroy(handle);
    rd_kafka_destroy(producer);
    return 0;
}
