#!/usr/bin/python3
"""Decodes record batch files with kafka-python 2.0.2's reader and prints them as JSON.

Used by Records/KafkaPythonInteropTests.cs to check that a real client reads the batches our
builder writes. Usage: /usr/bin/python3 decode_batches.py FILE...
Exit code 3 (message on stderr) when kafka-python or a codec module is missing.
"""
import base64
import json
import sys

try:
    import lz4.frame  # noqa: F401  (kafka-python needs it for lz4)
    import snappy  # noqa: F401
    import zstandard  # noqa: F401
    from kafka.record.default_records import DefaultRecordBatch
except ImportError as error:
    print("missing module: %s (install python3-kafka python3-snappy python3-lz4 python3-zstandard)" % error,
          file=sys.stderr)
    sys.exit(3)


def b64(data):
    return None if data is None else base64.b64encode(bytes(data)).decode()


result = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        batch = DefaultRecordBatch(bytearray(f.read()))
    result.append({
        "crcValid": batch.validate_crc(),
        "codec": batch.compression_type,
        "isTransactional": batch.is_transactional,
        "records": [
            {"offset": r.offset, "timestamp": r.timestamp, "key": b64(r.key), "value": b64(r.value),
             "headers": [[k, b64(v)] for k, v in r.headers]}
            for r in batch
        ],
    })
json.dump(result, sys.stdout)
