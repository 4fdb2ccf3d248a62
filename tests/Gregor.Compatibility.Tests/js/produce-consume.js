// kafkajs flow for Gregor.Compatibility.Tests.
// usage: node produce-consume.js BOOTSTRAP TOPIC GROUP PRODUCE_COUNT EXPECT_COUNT PREFIX [CODEC]
// Produces PRODUCE_COUNT keyed records "PREFIX-i" (acks=-1, codec none|gzip|snappy|lz4|zstd),
// then consumes with the group GROUP until EXPECT_COUNT records arrived, committing each
// record's offset, keeps consuming one more second to catch extra records, and prints one
// JSON line: {"produced": [...], "consumed": [...]}. Bounded: fails after 60 s.
'use strict';
const { Kafka, logLevel } = require('kafkajs');
const { CompressionTypes } = require('./codecs.js');

const [bootstrap, topic, group, produceCount, expectCount, prefix, codec = 'none'] = process.argv.slice(2);
const codecs = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD };
const kafka = new Kafka({ clientId: 'compat-kafkajs', brokers: [bootstrap], logLevel: logLevel.ERROR, retry: { retries: 5 } });

async function main() {
  const produced = [];
  if (Number(produceCount) > 0) {
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const messages = [];
    for (let i = 0; i < Number(produceCount); i++) {
      messages.push({ key: `k${i}`, value: `${prefix}-${i}`, headers: { trace: 'abc' } });
      produced.push(`${prefix}-${i}`);
    }
    await producer.send({ topic, acks: -1, compression: codecs[codec], messages });
    await producer.disconnect();
  }

  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const consumed = [];
  let reached;
  const enough = new Promise((resolve) => { reached = resolve; });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      consumed.push(message.value.toString());
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      if (consumed.length >= Number(expectCount)) reached();
    },
  });
  if (Number(expectCount) === 0) reached();
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`consumed ${consumed.length} of ${expectCount}`)), 60000); });
  await Promise.race([enough, timeout]);
  clearTimeout(timer);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // catch extra (duplicate) records
  await consumer.disconnect();
  console.log(JSON.stringify({ produced, consumed }));
}

main().then(() => process.exit(0), (e) => { console.error(e.stack || String(e)); process.exit(1); });
