#!/usr/bin/python3
"""Writes record batch (magic v2) fixtures with kafka-python 2.0.2's own batch writer.

Run from this folder with Debian's interpreter:  /usr/bin/python3 make_batches.py
Needs the Debian packages python3-kafka, python3-snappy, python3-lz4, python3-zstandard.
Writes records/<name>.bin (one batch each) and fixtures.json (what was written into them),
which the C# tests decode and compare. See README.md.
"""
import base64
import json
import os
import struct

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

    for name, data in batches.items():
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(data)

    manifest = {
        "producedBy": "kafka-python %s (kafka.record.default_records.DefaultRecordBatchBuilder), "
                      "python-snappy, python-lz4 %s, python-zstandard %s" % (kafka.__version__, lz4.library_version_string(), zstandard.__version__),
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
