// Generates the small test images committed under test/fixtures/images/.
//
// Regenerate with:
//
//   node scripts/make-images.mjs
//
// Text is rendered from SVG by sharp (librsvg + fontconfig), so a system font
// is needed; DejaVu Sans is preferred and ships with most Linux distributions.
// Each image is checked for ink after rendering, so a machine without a usable
// font fails loudly here instead of silently committing blank images.
// Output is 8-bit greyscale PNG to keep each file to a few KB.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repoRoot, 'test/fixtures/images');

const FONT_FAMILY = "'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";

/** Each image: size, font size and one entry per line of text (baseline y). */
const IMAGES = [
  {
    file: 'hello.png',
    width: 400,
    height: 80,
    fontSize: 32,
    lines: [{ text: 'Hello stagescope', x: 24, y: 52 }],
  },
  {
    file: 'receipt.png',
    width: 480,
    height: 200,
    fontSize: 28,
    lines: [
      { text: 'INVOICE 2024', x: 30, y: 42 },
      { text: 'Coffee 2 x 3.75', x: 30, y: 88 },
      { text: 'Total 42.50 EUR', x: 30, y: 134 },
      { text: 'Thank you', x: 30, y: 180 },
    ],
  },
];

function escapeXml(text) {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function toSvg({ width, height, fontSize, lines }) {
  const texts = lines
    .map(({ text, x, y }) => `<text x="${x}" y="${y}">${escapeXml(text)}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<rect width="100%" height="100%" fill="#fff"/>
<g font-family="${FONT_FAMILY}" font-size="${fontSize}" fill="#000">${texts}</g>
</svg>`;
}

/**
 * Fails when the image is (almost) blank, which is what librsvg produces when
 * fontconfig finds no font at all. Real text covers several percent of the
 * image with dark pixels; the bar here (0.2% of the area per line) is far below.
 */
async function assertHasText(png, { file, width, height, lines }) {
  const data = await sharp(png).raw().toBuffer();
  let dark = 0;
  for (const v of data) if (v < 128) dark++;
  const minDark = lines.length * width * height * 0.002;
  if (dark < minDark) {
    throw new Error(
      `${file}: only ${dark} dark pixels, text did not render. ` +
        'Install a font (e.g. fonts-dejavu-core) and check `fc-list`.',
    );
  }
}

async function render(spec) {
  const png = await sharp(Buffer.from(toSvg(spec)))
    .flatten({ background: '#fff' })
    .toColourspace('b-w')
    .png({ compressionLevel: 9 })
    .toBuffer();
  await assertHasText(png, spec);
  const target = path.join(outDir, spec.file);
  await writeFile(target, png);
  console.log(`${path.relative(repoRoot, target)}  ${spec.width}x${spec.height}  ${png.length} bytes`);
}

await mkdir(outDir, { recursive: true });
for (const spec of IMAGES) await render(spec);
