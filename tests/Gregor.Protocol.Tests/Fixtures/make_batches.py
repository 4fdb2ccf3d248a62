#!/usr/bin/python3
"""Writes record batch (magic v2) fixtures produced by real Kafka client code.

Run from this folder with Debian's interpreter:  /usr/bin/python3 make_batches.py
Needs the Debian packages python3-kafka, python3-confluent-kafka (librdkafka), python3-snappy,
python3-lz4, python3-zstandard.

- kafka-python 2.0.2: its own batch writer (DefaultRecordBatchBuilder), offline.
- librdkafka (through confluent-kafka): a real producer sends Produce requests to a minimal
  fake broker in this script (ApiVersions v3, Metadata v1, Produce v7 on 127.0.0.1, free port;
  Fetch and FindCoordinator advertised but never called),
  which saves the `records` field of each request verbatim.
Writes records/<name>.bin (one batch each) and fixtures.json (the records every batch holds,
as given to the producers), which the C# tests decode and compare. See README.md.
"""
import base64
import json
import os
import socket
import socketserver
import struct
import threading

import lz4.frame
import snappy
import zstandard
import kafka
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.util import calc_crc32c

BASE_TIMESTAMP = 1700000000000
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "records")


def records():
    """50 records: null/empty keys and values, headers with null/empty values, a negative timestamp delta."""
    out = [
        (None, b"value-0 " * 20, []),
        (b"", b"", [("h-empty", b"")]),
        (b"key-2", None, [("h-null", None)]),
    ]
    for i in range(3, 50):
        headers = [("trace", ("t%d" % i).encode()), ("unicode-\u00e9", b"\x00\xff")] if i % 5 == 0 else []
        out.append((("key-%d" % i).encode(), ("value-%d " % i).encode() * 20, headers))
    result = []
    for i, (key, value, headers) in enumerate(out):
        timestamp = BASE_TIMESTAMP - 1000 if i == 4 else BASE_TIMESTAMP + 7 * i
        result.append((timestamp, key, value, headers))
    return result


def build(codec, producer_id=-1, producer_epoch=-1, base_sequence=-1, transactional=False):
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=codec, is_transactional=transactional,
                                        producer_id=producer_id, producer_epoch=producer_epoch,
                                        base_sequence=base_sequence, batch_size=1 << 20)
    for offset, (timestamp, key, value, headers) in enumerate(records()):
        assert builder.append(offset, timestamp, key, value, headers) is not None
    batch = bytes(builder.build())
    attributes = struct.unpack_from(">h", batch, 21)[0]
    assert attributes & 7 == codec, "kafka-python fell back to no compression"
    return batch


def recompress(batch, compress):
    """Same batch with its records section re-encoded by `compress`, codec bits kept, CRC redone."""
    body = bytearray(batch[:61])
    body += compress(records_section(batch))
    struct.pack_into(">i", body, 8, len(body) - 12)
    struct.pack_into(">I", body, 17, calc_crc32c(bytes(body[21:])))
    return bytes(body)


def records_section(batch):
    """The uncompressed records of the fixture set (every batch holds the same records)."""
    return build(0)[61:]


def zstd_streamed(data):
    """A zstd frame without content size, as streaming encoders (zstd-jni, librdkafka) write."""
    compressor = zstandard.ZstdCompressor(level=3, write_content_size=False).compressobj()
    return compressor.compress(data) + compressor.flush()


# ---------------------------------------------------------------------------------------------
# librdkafka: a real producer against a fake broker that records what it is sent.

API_PRODUCE, API_FETCH, API_METADATA, API_FIND_COORDINATOR, API_VERSIONS = 0, 1, 3, 10, 18
# librdkafka enables magic v2 and each codec from these ranges (lz4 needs FindCoordinator, zstd
# Produce v7 and Fetch v10); it then produces with Produce v7, whose request layout equals v3.
# Fetch and FindCoordinator are advertised only for that and never called.
SUPPORTED = [(API_PRODUCE, 0, 7), (API_FETCH, 0, 10), (API_METADATA, 1, 1), (API_FIND_COORDINATOR, 0, 2),
             (API_VERSIONS, 0, 3)]
TOPIC = "fixtures"


def read_string(data, pos):
    (length,) = struct.unpack_from(">h", data, pos)
    pos += 2
    if length < 0:
        return None, pos
    return data[pos:pos + length].decode(), pos + length


def api_versions_response(version):
    if version >= 3:  # flexible body (the response header is still v0 for ApiVersions)
        body = struct.pack(">h", 0) + bytes([len(SUPPORTED) + 1])
        for key, low, high in SUPPORTED:
            body += struct.pack(">hhh", key, low, high) + b"\x00"
        return body + struct.pack(">i", 0) + b"\x00"
    body = struct.pack(">hi", 0, len(SUPPORTED))
    for key, low, high in SUPPORTED:
        body += struct.pack(">hhh", key, low, high)
    return body + (struct.pack(">i", 0) if version >= 1 else b"")


def metadata_response(port):
    host = b"127.0.0.1"
    body = struct.pack(">i", 1) + struct.pack(">ih", 1, len(host)) + host + struct.pack(">ih", port, -1)
    body += struct.pack(">i", 1)  # controller id
    body += struct.pack(">i", 1) + struct.pack(">hh", 0, len(TOPIC)) + TOPIC.encode() + b"\x00"
    body += struct.pack(">i", 1) + struct.pack(">hii", 0, 0, 1) + struct.pack(">ii", 1, 1) + struct.pack(">ii", 1, 1)
    return body


def produce_request_records(data, pos):
    _, pos = read_string(data, pos)  # transactional id
    pos += 2 + 4  # acks, timeout
    (topics,) = struct.unpack_from(">i", data, pos)
    pos += 4
    found = []
    for _ in range(topics):
        name, pos = read_string(data, pos)
        (partitions,) = struct.unpack_from(">i", data, pos)
        pos += 4
        for _ in range(partitions):
            index, length = struct.unpack_from(">ii", data, pos)
            pos += 8
            found.append((name, index, data[pos:pos + length]))
            pos += length
    return found


def produce_response(found, version):
    body = struct.pack(">i", len(found))
    for name, index, _ in found:
        body += struct.pack(">h", len(name)) + name.encode() + struct.pack(">i", 1)
        body += struct.pack(">ihqq", index, 0, 0, -1) + (struct.pack(">q", 0) if version >= 5 else b"")
    return body + struct.pack(">i", 0)


class FakeBroker(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FakeBrokerHandler)
        self.captured = []
        self.lock = threading.Lock()
        # Metadata is answered only once every message is queued, so they all go in one batch.
        self.all_produced = threading.Event()


class FakeBrokerHandler(socketserver.BaseRequestHandler):
    def handle(self):
        port = self.server.server_address[1]
        while True:
            size_bytes = self.receive(4)
            if size_bytes is None:
                return
            (size,) = struct.unpack(">i", size_bytes)
            data = self.receive(size)
            api_key, version, correlation_id = struct.unpack_from(">hhi", data, 0)
            _, pos = read_string(data, 8)  # client id (header v1/v2)
            if api_key == API_VERSIONS:
                body = api_versions_response(version)
            elif api_key == API_METADATA:
                self.server.all_produced.wait(30)
                body = metadata_response(port)
            elif api_key == API_PRODUCE:
                found = produce_request_records(data, pos)
                with self.server.lock:
                    self.server.captured.extend(records for _, _, records in found)
                body = produce_response(found, version)
            else:
                raise RuntimeError("unexpected api key %d" % api_key)
            response = struct.pack(">i", correlation_id) + body
            self.request.sendall(struct.pack(">i", len(response)) + response)

    def receive(self, count):
        data = b""
        while len(data) < count:
            chunk = self.request.recv(count - len(data))
            if not chunk:
                return None
            data += chunk
        return data


def librdkafka_batch(codec_name):
    """One batch holding all records from librdkafka's producer, captured on the wire.

    librdkafka occasionally sends the first few messages in batches of their own (it does not
    hold messages that waited for metadata for linger.ms); such a run is discarded and repeated.
    """
    for _ in range(10):
        captured, version = librdkafka_capture(codec_name)
        if len(captured) == 1:
            return captured[0], version
    raise RuntimeError("librdkafka never sent the records as one batch")


def librdkafka_capture(codec_name):
    from confluent_kafka import Producer, libversion
    broker = FakeBroker()
    thread = threading.Thread(target=broker.serve_forever, daemon=True)
    thread.start()
    producer = None
    try:
        producer = Producer({
            "bootstrap.servers": "127.0.0.1:%d" % broker.server_address[1],
            "compression.codec": codec_name,
            "linger.ms": 200,
            "acks": 1,
            "enable.idempotence": False,
            "api.version.request": True,
        })
        for timestamp, key, value, headers in records():
            producer.produce(TOPIC, value=value, key=key, headers=headers, timestamp=timestamp, partition=0)
        broker.all_produced.set()
        assert producer.flush(30) == 0, "librdkafka did not deliver"
    finally:
        broker.shutdown()
        broker.server_close()
        del producer
    return broker.captured, libversion()[0]


def b64(data):
    return None if data is None else base64.b64encode(data).decode()


def main():
    os.makedirs(OUT, exist_ok=True)
    batches = {
        # kafka-python's own writer for every codec (gzip: zlib; snappy: xerial framing, 32 KiB blocks;
        # lz4: python-lz4 frame, independent blocks, content size stored; zstd: one-shot with content size).
        "kafka-python-none": build(0),
        "kafka-python-gzip": build(1),
        "kafka-python-snappy-xerial": build(2),
        "kafka-python-lz4": build(3),
        "kafka-python-zstd": build(4),
        "kafka-python-idempotent-transactional-gzip": build(1, producer_id=1234, producer_epoch=5,
                                                            base_sequence=42, transactional=True),
    }
    # Variants other clients write, produced by the same libraries directly:
    batches["snappy-raw"] = recompress(batches["kafka-python-snappy-xerial"], snappy.compress)
    batches["lz4-checksums-linked"] = recompress(
        batches["kafka-python-lz4"],
        lambda data: lz4.frame.compress(data, block_size=lz4.frame.BLOCKSIZE_MAX64KB, block_linked=True,
                                        content_checksum=True, block_checksum=True, store_size=False))
    batches["zstd-streamed-no-content-size"] = recompress(batches["kafka-python-zstd"], zstd_streamed)
    librdkafka_version = None
    for codec_name in ("none", "gzip", "snappy", "lz4", "zstd"):
        batches["librdkafka-" + codec_name], librdkafka_version = librdkafka_batch(codec_name)

    for name, data in batches.items():
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(data)

    manifest = {
        "producedBy": "kafka-python %s (kafka.record.default_records.DefaultRecordBatchBuilder), "
                      "python-snappy, python-lz4 %s, python-zstandard %s; librdkafka %s producer" % (
                          kafka.__version__, lz4.library_version_string(), zstandard.__version__, librdkafka_version),
        "records": [
            {"timestamp": ts, "key": b64(k), "value": b64(v),
             "headers": [{"key": hk, "value": b64(hv)} for hk, hv in h]}
            for ts, k, v, h in records()
        ],
        "batches": {
            name: {"file": "records/%s.bin" % name, "codec": struct.unpack_from(">h", data, 21)[0] & 7,
                   "producerId": struct.unpack_from(">q", data, 43)[0],
                   "producerEpoch": struct.unpack_from(">h", data, 51)[0],
                   "baseSequence": struct.unpack_from(">i", data, 53)[0],
                   "transactional": bool(struct.unpack_from(">h", data, 21)[0] & 0x10)}
            for name, data in batches.items()
        },
    }
    with open(os.path.join(HERE, "fixtures.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
