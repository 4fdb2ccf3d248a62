// The kafkajs flow tools/Gregor.Capture records: produce keyed records with headers once per
// compression codec, then a consumer group that consumes, commits, heartbeats and leaves.
// usage: NODE_PATH=tests/Gregor.Compatibility.Tests/js/node_modules node capture-kafkajs.js HOST:PORT
'use strict';
const path = require('path');
const jsDir = path.join(__dirname, '..', '..', '..', 'tests', 'Gregor.Compatibility.Tests', 'js');
const { Kafka, logLevel } = require(path.join(jsDir, 'node_modules', 'kafkajs'));
const { CompressionTypes } = require(path.join(jsDir, 'codecs.js'));

const broker = process.argv[2];
const kafka = new Kafka({ clientId: 'golden-kafkajs', brokers: [broker], logLevel: logLevel.WARN, retry: { retries: 3 } });

async function main() {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const codecs = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD };
  for (const [name, codec] of Object.entries(codecs)) {
    await producer.send({
      topic: `golden-kafkajs-${name}`,
      acks: -1,
      compression: codec,
      messages: [0, 1, 2].map((i) => ({ key: `key-${i}`, value: `value-${i} ${'x'.repeat(40)}`, headers: { trace: 'abc' } })),
    });
    console.log(`kafkajs: produced 3 records to golden-kafkajs-${name}`);
  }
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'golden-kafkajs-group', heartbeatInterval: 100, sessionTimeout: 6000, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'golden-kafkajs-none', fromBeginning: true });
  let received = 0;
  const done = new Promise((resolve) => {
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        received++;
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        if (received === 3) resolve();
      },
    });
  });
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`consumed ${received} of 3 records`)), 20000));
  await Promise.race([done, timeout]);
  await new Promise((resolve) => setTimeout(resolve, 500)); // let heartbeats go out
  await consumer.disconnect();
  console.log('kafkajs: consumed 3 records, committed, left the group');
}

main().then(() => process.exit(0), (e) => { console.error(`kafkajs: ${e.stack || e}`); process.exit(1); });
