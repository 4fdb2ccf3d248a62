#!/usr/bin/python3
"""kafka-python (Debian python3-kafka): the first produce to a topic that did not exist a moment
before, with no client retries, for Gregor.Compatibility.Tests.

usage: /usr/bin/python3 create_then_produce.py BOOTSTRAP ROUNDS

Each round uses a fresh topic: even rounds create it with KafkaAdminClient (3 partitions) and
produce right after the CreateTopics response; odd rounds rely on auto-creation by the first
Metadata request. One acks=all record, retries=0, a 10 s bound per send. Prints one JSON line:
{"rounds": N, "failures": ["round 3 (auto): KafkaTimeoutError ...", ...]}.
"""
import json
import sys
import uuid

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic


def main():
    bootstrap, rounds = sys.argv[1], int(sys.argv[2])
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-kafka-python-admin")
    failures = []
    for i in range(rounds):
        topic = f"fresh-{i}-{uuid.uuid4().hex[:8]}"
        created = i % 2 == 0
        if created:
            admin.create_topics([NewTopic(topic, 3, 1)])
        producer = KafkaProducer(bootstrap_servers=bootstrap, client_id="compat-kafka-python", acks="all", retries=0)
        try:
            producer.send(topic, b"first").get(timeout=10)
        except Exception as e:  # every kind of failure is what the test reports
            failures.append(f"round {i} ({'created' if created else 'auto'}): {type(e).__name__} {e}")
        finally:
            producer.close()
    admin.close()
    print(json.dumps({"rounds": rounds, "failures": failures}))


if __name__ == "__main__":
    main()
