// kafkajs check of a compacted topic's key rule, for Gregor.Compatibility.Tests.
// usage: node compacted-keyless.js BOOTSTRAP TOPIC
// Creates TOPIC with cleanup.policy=compact, sends one record without a key (no client retries),
// then one with a key, and prints one JSON line: {"keyless": {"name", "type", "code"} | null,
// "keyed": offset | null, "end": the partition's log end offset}. Bounded: fails after 60 s.
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'compat-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });

// kafkajs wraps a broker error (KafkaJSProtocolError: type, code) in retry/non-retriable wrappers.
function protocolError(e) {
  for (let current = e; current; current = current.originalError || current.cause) {
    if (current.type !== undefined && current.code !== undefined) return { name: current.name, type: current.type, code: current.code };
  }
  return { name: e.name, type: null, code: null, message: e.message };
}

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });

  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await producer.connect();
  let keyless = null;
  try {
    await producer.send({ topic, acks: -1, messages: [{ value: 'no key' }] });
  } catch (e) {
    keyless = protocolError(e);
  }
  const [keyed] = await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'with key' }] });
  await producer.disconnect();

  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  console.log(JSON.stringify({ keyless, keyed: keyed ? Number(keyed.baseOffset) : null, end: Number(offsets[0].high) }));
}

let timer;
const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timed out after 60 s')), 60000); });
Promise.race([main(), timeout]).then(() => { clearTimeout(timer); process.exit(0); }, (e) => { console.error(e.stack || String(e)); process.exit(1); });
