"""Produce latency through librdkafka (confluent-kafka) at a fixed rate: RATE records/s of 100 bytes for SECONDS,
acks=1, linger.ms=0; prints JSON {p50_ms, p99_ms, max_ms, delivered} measured from produce() to the delivery callback."""
import json
import sys
import time

from confluent_kafka import Producer

bootstrap, topic, rate, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
p = Producer({'bootstrap.servers': bootstrap, 'linger.ms': 0, 'acks': 1})
latencies = []
payload = b'x' * 100


def on_delivery(err, msg, sent):
    if err is None:
        latencies.append(time.perf_counter() - sent)


# Warm up the connection and metadata before measuring.
p.produce(topic, payload)
p.flush(10)
tick = 0.005
per_tick = max(1, int(rate * tick))
start = time.perf_counter()
n = 0
total = int(rate * seconds)
while n < total:
    due = start + (n / rate)
    now = time.perf_counter()
    if now < due:
        p.poll(max(0.0, due - now))
        continue
    for _ in range(min(per_tick, total - n)):
        sent = time.perf_counter()
        p.produce(topic, payload, on_delivery=lambda err, msg, sent=sent: on_delivery(err, msg, sent))
        n += 1
    p.poll(0)
p.flush(30)
latencies.sort()


def pct(q):
    return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000


print(json.dumps({'p50_ms': pct(0.5), 'p99_ms': pct(0.99), 'max_ms': latencies[-1] * 1000, 'delivered': len(latencies)}))
