// Image pre-processing with sharp, as an OCR or classifier front end does it:
// read each image's header, make a 192x48 greyscale raw model input, crop the
// top strip, write a PNG thumbnail, turn a copy upside down (the orientation
// classifier's second view), stream a resized JPEG through a pipe, and measure
// the pixels.
//
//   node examples/sharp/thumbnails.mjs [image...]
//
// Prints one line per image and step (sizes and a checksum, no timings), so an
// instrumented run can be compared with a plain one. Output files go to a
// temporary folder that is removed at the end. thumbnails.cjs is the same
// script in CommonJS.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const images = process.argv.length > 2 ? process.argv.slice(2) : ['hello.png', 'receipt.png'].map((name) => path.join(repoRoot, 'test/fixtures/images', name));
const outDir = mkdtempSync(path.join(os.tmpdir(), 'thumbnails-'));
const digest = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 12);

try {
  for (const image of images) {
    const name = path.basename(image, path.extname(image));
    const { width, height, channels } = await sharp(image).metadata();
    console.log(`${name}: ${width}x${height}, ${channels} channel(s)`);

    // model input: 192x48 greyscale pixels, one byte each
    const input = await sharp(image).greyscale().resize(192, 48, { fit: 'fill' }).raw().toBuffer();
    console.log(`${name}: model input ${input.length} bytes ${digest(input)}`);

    // crop: the top quarter (a header line)
    const strip = await sharp(image).extract({ left: 0, top: 0, width, height: Math.ceil(height / 4) }).png().toBuffer({ resolveWithObject: true });
    console.log(`${name}: top strip ${strip.info.width}x${strip.info.height}`);

    // thumbnail file, 128 px wide
    const thumbnail = path.join(outDir, `${name}-thumb.png`);
    const written = await sharp(image).resize({ width: 128 }).toFile(thumbnail);
    console.log(`${name}: thumbnail ${written.width}x${written.height}, ${statSync(thumbnail).size > 0 ? 'written' : 'empty'}`);

    // upside-down copy, callback style
    const turned = await new Promise((resolve, reject) =>
      sharp(image).rotate(180).flop().raw().toBuffer((error, data) => (error ? reject(error) : resolve(data))),
    );
    console.log(`${name}: rotated ${turned.length} bytes ${digest(turned)}`);

    // stream: file in, JPEG out
    const jpeg = path.join(outDir, `${name}.jpg`);
    await pipeline(createReadStream(image), sharp().resize(256).jpeg({ quality: 80 }), createWriteStream(jpeg));
    console.log(`${name}: streamed jpeg ${statSync(jpeg).size > 0 ? 'written' : 'empty'}`);

    const { channels: stats } = await sharp(image).stats();
    console.log(`${name}: mean ${stats.map((channel) => channel.mean.toFixed(1)).join(',')}`);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
