// Image pre-processing with sharp, CommonJS version of thumbnails.mjs (same
// steps, same output): header, 192x48 greyscale raw model input, top-strip
// crop, PNG thumbnail file, upside-down copy (callback style), a resized JPEG
// through a stream pipe, pixel statistics.
//
//   node examples/sharp/thumbnails.cjs [image...]

'use strict';

const { createHash } = require('node:crypto');
const { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const sharp = require('sharp');

const repoRoot = path.resolve(__dirname, '../..');
const images = process.argv.length > 2 ? process.argv.slice(2) : ['hello.png', 'receipt.png'].map((name) => path.join(repoRoot, 'test/fixtures/images', name));
const digest = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 12);

async function main() {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'thumbnails-'));
  try {
    for (const image of images) {
      const name = path.basename(image, path.extname(image));
      const { width, height, channels } = await sharp(image).metadata();
      console.log(`${name}: ${width}x${height}, ${channels} channel(s)`);

      const input = await sharp(image).greyscale().resize(192, 48, { fit: 'fill' }).raw().toBuffer();
      console.log(`${name}: model input ${input.length} bytes ${digest(input)}`);

      const strip = await sharp(image).extract({ left: 0, top: 0, width, height: Math.ceil(height / 4) }).png().toBuffer({ resolveWithObject: true });
      console.log(`${name}: top strip ${strip.info.width}x${strip.info.height}`);

      const thumbnail = path.join(outDir, `${name}-thumb.png`);
      const written = await sharp(image).resize({ width: 128 }).toFile(thumbnail);
      console.log(`${name}: thumbnail ${written.width}x${written.height}, ${statSync(thumbnail).size > 0 ? 'written' : 'empty'}`);

      const turned = await new Promise((resolve, reject) =>
        sharp(image).rotate(180).flop().raw().toBuffer((error, data) => (error ? reject(error) : resolve(data))),
      );
      console.log(`${name}: rotated ${turned.length} bytes ${digest(turned)}`);

      const jpeg = path.join(outDir, `${name}.jpg`);
      await pipeline(createReadStream(image), sharp().resize(256).jpeg({ quality: 80 }), createWriteStream(jpeg));
      console.log(`${name}: streamed jpeg ${statSync(jpeg).size > 0 ? 'written' : 'empty'}`);

      const { channels: stats } = await sharp(image).stats();
      console.log(`${name}: mean ${stats.map((channel) => channel.mean.toFixed(1)).join(',')}`);
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
