// Registers kafkajs compression codecs for snappy, lz4 and zstd from pure-JS packages
// (no native build step, so `npm ci` works offline of node-gyp): kafkajs-snappy
// (xerial framing, as Kafka's Java client), lz4js (the standard LZ4 frame format Kafka
// uses) and zstd-codec (zstd compiled to JS). gzip is built into kafkajs.
'use strict';
const { CompressionTypes, CompressionCodecs } = require('kafkajs');
const SnappyCodec = require('kafkajs-snappy');
const lz4 = require('lz4js');
const { ZstdCodec } = require('zstd-codec');

let zstdSimple;
function zstd() {
  if (zstdSimple) return Promise.resolve(zstdSimple);
  return new Promise((resolve) => ZstdCodec.run((z) => resolve((zstdSimple = new z.Simple()))));
}

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
CompressionCodecs[CompressionTypes.LZ4] = () => ({
  async compress(encoder) { return Buffer.from(lz4.compress(encoder.buffer)); },
  async decompress(buffer) { return Buffer.from(lz4.decompress(buffer)); },
});
CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  async compress(encoder) { return Buffer.from((await zstd()).compress(encoder.buffer, 3)); },
  async decompress(buffer) { return Buffer.from((await zstd()).decompress(buffer)); },
});

module.exports = { CompressionTypes };
