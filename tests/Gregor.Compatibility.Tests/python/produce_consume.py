#!/usr/bin/python3
"""kafka-python (Debian python3-kafka) flow for Gregor.Compatibility.Tests.

usage: /usr/bin/python3 produce_consume.py BOOTSTRAP TOPIC GROUP PRODUCE_COUNT EXPECT_COUNT PREFIX

Produces PRODUCE_COUNT keyed records "PREFIX-i" (acks=all) and flushes, then consumes with
the consumer group GROUP until EXPECT_COUNT records arrived (from the committed offsets, or
the earliest offset for a new group), commits synchronously, keeps polling one more second to
catch any extra record, and prints one JSON line: {"produced": [...], "consumed": [...]}.
Bounded: gives up after 60 s.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer


def main():
    bootstrap, topic, group, produce_count, expect_count, prefix = sys.argv[1:7]
    produce_count, expect_count = int(produce_count), int(expect_count)
    produced = []
    if produce_count:
        producer = KafkaProducer(bootstrap_servers=bootstrap, client_id="compat-kafka-python", acks="all",
                                 retries=50, retry_backoff_ms=100, request_timeout_ms=30000)
        futures = []
        for i in range(produce_count):
            value = f"{prefix}-{i}"
            futures.append(producer.send(topic, key=f"k{i}".encode(), value=value.encode(),
                                         headers=[("trace", b"abc")]))
            produced.append(value)
        producer.flush(timeout=30)
        for future in futures:
            future.get(timeout=30)
        producer.close()

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, client_id="compat-kafka-python", group_id=group,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             session_timeout_ms=10000, heartbeat_interval_ms=500, consumer_timeout_ms=200)
    consumed = []
    deadline = time.monotonic() + 60
    extra_until = None
    while time.monotonic() < deadline:
        batches = consumer.poll(timeout_ms=200)
        for records in batches.values():
            consumed.extend(r.value.decode() for r in records)
        if len(consumed) >= expect_count and extra_until is None:
            consumer.commit()
            extra_until = time.monotonic() + 1.0
        if extra_until is not None and time.monotonic() >= extra_until:
            break
    if extra_until is not None:
        consumer.commit()
    consumer.close()
    print(json.dumps({"produced": produced, "consumed": consumed}))


if __name__ == "__main__":
    main()
