/*
 * A bench-only librdkafka client in the manner of librdkafka's rdkafka_performance: it produces or
 * fetches 100-byte records with no per-record output, so the broker, not the client's printing, is
 * what the figure measures. bench/broker.ts compiles it (gcc, Debian's librdkafka-dev) into a temp
 * directory; no test needs it.
 *
 *   librdkafka-perf produce BOOTSTRAP TOPIC RECORDS [key=value …]
 *   librdkafka-perf fetch   BOOTSTRAP TOPIC RECORDS PARTITIONS [key=value …]
 *   librdkafka-perf latency BOOTSTRAP TOPIC RATE SECONDS [key=value …]
 *
 * Prints one JSON line: {"records":N,"ms":wall,"cpu_ms":user+system of this process,"faults":page
 * faults,"switches":context switches}, each over the timed span. Produce waits
 * for every delivery report (acks=1 by default) and fails on any delivery error; fetch reads every
 * partition from the beginning until RECORDS records arrived. Latency produces RATE records/s for
 * SECONDS (linger.ms=0, acks=1) and prints {"p50_ms","p99_ms","max_ms","delivered"}, each record's
 * time from its rd_kafka_produce() to its delivery report — as bench/librdkafka_latency.py does
 * through confluent-kafka, without a Python interpreter between librdkafka and the clock.
 */
#include <librdkafka/rdkafka.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

static long long delivered = 0;
static long long failed = 0;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec * 1000.0 + ru.ru_utime.tv_usec / 1000.0 + ru.ru_stime.tv_sec * 1000.0 + ru.ru_stime.tv_usec / 1000.0;
}

/* Page faults and context switches (voluntary + involuntary) of this process so far: the client's
   CPU per record varies with them from run to run (a fault is costly on a virtual machine, and a
   thread waiting for a lock the other one holds switches out), so a run reports both. */
static void faults_and_switches(long *faults, long *switches) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  *faults = ru.ru_minflt + ru.ru_majflt;
  *switches = ru.ru_nvcsw + ru.ru_nivcsw;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "librdkafka-perf: %s: %s\n", what, detail);
  exit(1);
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) die(key, err);
}

/* A configuration: the bootstrap servers, `defaults` (key, value, …, NULL), then the key=value
   arguments from argv[first] on, which override them. */
static rd_kafka_conf_t *configure(const char *bootstrap, const char *const *defaults, int argc, char **argv, int first) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  for (int i = 0; defaults[i]; i += 2) set(conf, defaults[i], defaults[i + 1]);
  for (int i = first; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) die("expected key=value", argv[i]);
    *eq = '\0';
    set(conf, argv[i], eq + 1);
  }
  return conf;
}

/* The queue is librdkafka's default (queue.buffering.max.messages=100000), as rdkafka_performance
   leaves it: the producer waits for delivery reports when it is full, so the messages' memory is
   reused instead of growing to hold every record (measured: ~25 % fewer page faults, ~15 % less
   client CPU per record than a 2,000,000-message queue). */
static const char *const PRODUCE_DEFAULTS[] = {
    "acks", "1", "linger.ms", "5", "batch.num.messages", "100000", "batch.size", "1000000", "partitioner", "murmur2_random", NULL};

/* As rdkafka_performance -C configures its consumer: queued.min.messages=1000000 (prefetch), the rest
   librdkafka's defaults (fetch.max.bytes 50 MiB, max.partition.fetch.bytes 1 MiB, fetch.wait.max.ms
   500, fetch.min.bytes 1, check.crcs false). Larger partition reads are slower, not faster: at 10 MiB
   per partition a response of ~40 MB is a fresh mmap'd buffer in the client on every fetch (a page
   fault per 4 KiB) and a burst of external memory in the broker; measured, both sides spent about
   twice the CPU per record. The simple consumer has no group, so nothing is committed. */
static const char *const FETCH_DEFAULTS[] = {"queued.min.messages", "1000000", "enable.partition.eof", "false", NULL};

/* Kafka's latency tools set linger.ms=0 explicitly (librdkafka's default is 5 ms, which would be
   measured as broker time); acks=1 as the throughput case. */
static const char *const LATENCY_DEFAULTS[] = {"acks", "1", "linger.ms", "0", NULL};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    if (failed++ == 0) fprintf(stderr, "librdkafka-perf: delivery failed: %s\n", rd_kafka_err2str(m->err));
  } else {
    delivered++;
  }
}

/* 100 bytes sent as they are by every produce call: no copy, no free (rdkafka_performance -z none). */
static char payload[100];

/* A producer with `conf` reporting deliveries to `on_report`, and its handle of `topic`. */
static rd_kafka_t *new_producer(rd_kafka_conf_t *conf, void (*on_report)(rd_kafka_t *, const rd_kafka_message_t *, void *), const char *topic, rd_kafka_topic_t **rkt) {
  char err[512];
  rd_kafka_conf_set_dr_msg_cb(conf, on_report);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) die("rd_kafka_new", err);
  *rkt = rd_kafka_topic_new(rk, topic, NULL);
  memset(payload, 'x', sizeof payload);
  return rk;
}

static int produce(const char *bootstrap, const char *topic, long long records, int argc, char **argv) {
  rd_kafka_topic_t *rkt;
  rd_kafka_t *rk = new_producer(configure(bootstrap, PRODUCE_DEFAULTS, argc, argv, 5), on_delivery, topic, &rkt);
  long faults0, switches0, faults, switches;
  faults_and_switches(&faults0, &switches0);
  double cpu0 = cpu_ms();
  double t0 = now_ms();
  for (long long i = 0; i < records;) {
    if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, payload, sizeof payload, NULL, 0, NULL) == -1) {
      rd_kafka_resp_err_t e = rd_kafka_last_error();
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce", rd_kafka_err2str(e));
      rd_kafka_poll(rk, 1);
      continue;
    }
    i++;
    if ((i & 0xffff) == 0) rd_kafka_poll(rk, 0);
  }
  while (delivered + failed < records) rd_kafka_poll(rk, 100);
  double ms = now_ms() - t0;
  double cpu = cpu_ms() - cpu0;
  faults_and_switches(&faults, &switches);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  if (failed) die("produce", "delivery errors");
  printf("{\"records\":%lld,\"ms\":%.3f,\"cpu_ms\":%.3f,\"faults\":%ld,\"switches\":%ld}\n", delivered, ms, cpu, faults - faults0, switches - switches0);
  return 0;
}

static long long fetched = 0;
static long long fetched_bytes = 0;

static void on_message(rd_kafka_message_t *m, void *opaque) {
  (void)opaque;
  if (m->err) die("fetch", rd_kafka_message_errstr(m));
  fetched++;
  fetched_bytes += m->len;
}

/* librdkafka's simple consumer, as rdkafka_performance -C runs it: every partition started on one
   queue from the beginning, the queue served by callback (rd_kafka_consume_callback_queue: one
   queue lock per call, no rd_kafka_message_t handed out and destroyed per message). Measured
   against the high-level consumer taking batches (rd_kafka_assign + rd_kafka_consume_batch_queue),
   it spends about a third less CPU per record. */
static int fetch(const char *bootstrap, const char *topic, long long records, int partitions, int argc, char **argv) {
  char err[512];
  rd_kafka_conf_t *conf = configure(bootstrap, FETCH_DEFAULTS, argc, argv, 6);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) die("rd_kafka_new", err);
  rd_kafka_topic_conf_t *topic_conf = rd_kafka_topic_conf_new();
  if (rd_kafka_topic_conf_set(topic_conf, "auto.commit.enable", "false", err, sizeof err) != RD_KAFKA_CONF_OK) die("auto.commit.enable", err);
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, topic_conf);
  /* Learn the partitions' leader before the clock starts, as a running consumer knows it: started
     before the first metadata response, librdkafka parks each partition's offset lookup on a
     500 ms retry timer ("no current leader for partition"), which would be timed as fetching. */
  const struct rd_kafka_metadata *metadata;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &metadata, 10000);
  if (e) die("metadata", rd_kafka_err2str(e));
  rd_kafka_metadata_destroy(metadata);
  /* rd_kafka_metadata() returns once the main thread has handled the response, but each partition
     joins its leader's broker thread through that thread's op queue, later: a partition started
     before its join is processed finds "no current leader" and waits on librdkafka's 500 ms offset
     query timer — measured in 1 of ~6 runs, for one or every partition, and then its first fetch
     waits another fetch.wait.max.ms behind the long poll of the partitions already read to the end.
     A watermark query per partition is a ListOffsets request queued on the same broker thread after
     the joins, so when it answers every partition has joined; it also checks that the topic holds
     the records the run expects, and gives each partition's log start offset, where its fetching
     starts (RD_KAFKA_OFFSET_BEGINNING would ask the broker for that same offset again, a
     ListOffsets round trip per partition inside the clock that starts the partitions one by one). */
  int64_t *low = calloc(partitions, sizeof *low);
  if (!low) die("calloc", "out of memory");
  long long available = 0;
  for (int p = 0; p < partitions; p++) {
    int64_t high;
    e = rd_kafka_query_watermark_offsets(rk, topic, p, &low[p], &high, 10000);
    if (e) die("query_watermark_offsets", rd_kafka_err2str(e));
    available += high - low[p];
  }
  if (available < records) die("fetch", "the topic holds fewer records than asked for");
  rd_kafka_queue_t *queue = rd_kafka_queue_new(rk);
  long faults0, switches0, faults, switches;
  faults_and_switches(&faults0, &switches0);
  double cpu0 = cpu_ms();
  double t0 = now_ms();
  for (int p = 0; p < partitions; p++) {
    if (rd_kafka_consume_start_queue(rkt, p, low[p], queue) == -1) die("consume_start_queue", rd_kafka_err2str(rd_kafka_last_error()));
  }
  while (fetched < records) {
    if (rd_kafka_consume_callback_queue(queue, 1000, on_message, NULL) == -1) die("fetch", rd_kafka_err2str(rd_kafka_last_error()));
  }
  double ms = now_ms() - t0;
  double cpu = cpu_ms() - cpu0;
  faults_and_switches(&faults, &switches);
  for (int p = 0; p < partitions; p++) rd_kafka_consume_stop(rkt, p);
  free(low);
  rd_kafka_queue_destroy(queue);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  printf("{\"records\":%lld,\"bytes\":%lld,\"ms\":%.3f,\"cpu_ms\":%.3f,\"faults\":%ld,\"switches\":%ld}\n", fetched, fetched_bytes, ms, cpu, faults - faults0, switches - switches0);
  return 0;
}

static double *sent_at;
static double *latencies;
static long long latency_count = 0;

static void on_latency_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    if (failed++ == 0) fprintf(stderr, "librdkafka-perf: delivery failed: %s\n", rd_kafka_err2str(m->err));
    return;
  }
  intptr_t i = (intptr_t)m->_private;
  if (i >= 0) latencies[latency_count++] = now_ms() - sent_at[i];
  delivered++;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int latency(const char *bootstrap, const char *topic, long long rate, double seconds, int argc, char **argv) {
  rd_kafka_topic_t *rkt;
  rd_kafka_t *rk = new_producer(configure(bootstrap, LATENCY_DEFAULTS, argc, argv, 6), on_latency_delivery, topic, &rkt);
  long long total = (long long)(rate * seconds);
  sent_at = calloc(total, sizeof *sent_at);
  latencies = calloc(total, sizeof *latencies);
  if (!sent_at || !latencies) die("calloc", "out of memory");
  /* The connection and the topic's metadata first, as the confluent-kafka script warms up. */
  if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, payload, sizeof payload, NULL, 0, (void *)(intptr_t)-1) == -1) die("produce", rd_kafka_err2str(rd_kafka_last_error()));
  rd_kafka_flush(rk, 10000);
  delivered = 0;
  double cpu0 = cpu_ms();
  double t0 = now_ms();
  for (long long i = 0; i < total;) {
    double due = t0 + i * 1000.0 / rate;
    double now = now_ms();
    if (now < due) {
      /* Serve delivery reports while waiting; whole milliseconds, so records go out in 1 ms ticks. */
      rd_kafka_poll(rk, due - now >= 1 ? (int)(due - now) : 1);
      continue;
    }
    for (; i < total && t0 + i * 1000.0 / rate <= now; i++) {
      sent_at[i] = now_ms();
      if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, payload, sizeof payload, NULL, 0, (void *)(intptr_t)i) == -1) die("produce", rd_kafka_err2str(rd_kafka_last_error()));
    }
    rd_kafka_poll(rk, 0);
  }
  while (delivered + failed < total) rd_kafka_poll(rk, 100);
  double ms = now_ms() - t0;
  double cpu = cpu_ms() - cpu0;
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  if (failed) die("latency", "delivery errors");
  qsort(latencies, latency_count, sizeof *latencies, by_value);
  long long p50 = latency_count / 2, p99 = latency_count * 99 / 100;
  printf("{\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"delivered\":%lld,\"ms\":%.3f,\"cpu_ms\":%.3f}\n", latencies[p50], latencies[p99], latencies[latency_count - 1], latency_count, ms, cpu);
  return 0;
}

int main(int argc, char **argv) {
  /* glibc's malloc gives freed memory back to the kernel (a heap top over 128 KiB is trimmed; a
     block over the mmap threshold is unmapped when freed), and librdkafka allocates and frees a
     request or response buffer of about a MiB per batch and a message object per record: each
     time fresh pages, a page fault per 4 KiB. Keeping freed memory for reuse, as a process tuned
     for throughput does (or links jemalloc), measured ~25 % less client CPU per record on both
     produce and fetch; it touches nothing the broker sees. */
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
  if (argc >= 5 && strcmp(argv[1], "produce") == 0) return produce(argv[2], argv[3], atoll(argv[4]), argc, argv);
  if (argc >= 6 && strcmp(argv[1], "fetch") == 0) return fetch(argv[2], argv[3], atoll(argv[4]), atoi(argv[5]), argc, argv);
  if (argc >= 6 && strcmp(argv[1], "latency") == 0) return latency(argv[2], argv[3], atoll(argv[4]), atof(argv[5]), argc, argv);
  fprintf(stderr,
          "usage: librdkafka-perf produce BOOTSTRAP TOPIC RECORDS [key=value …]\n       librdkafka-perf fetch BOOTSTRAP TOPIC RECORDS PARTITIONS [key=value …]\n"
          "       librdkafka-perf latency BOOTSTRAP TOPIC RATE SECONDS [key=value …]\n");
  return 2;
}
