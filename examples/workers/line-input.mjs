// PaddleOCR's orientation classifier input from a text-line image (as in
// examples/onnx/classifier.mjs): trim, scale to 48 px high, pad to 192 wide,
// (x/255 - 0.5) / 0.5 in BGR planes. Runs in the main thread; the Float32Array
// goes to a worker (transferred, not copied).
import sharp from 'sharp';

const [HEIGHT, WIDTH] = [48, 192];

export async function lineInput(image) {
  const trimmed = await sharp(image).flatten({ background: '#fff' }).trim().toBuffer({ resolveWithObject: true });
  const width = Math.min(WIDTH, Math.ceil((HEIGHT * trimmed.info.width) / trimmed.info.height));
  const rgb = await sharp(trimmed.data).resize(width, HEIGHT, { fit: 'fill' }).toColourspace('srgb').raw().toBuffer();
  const plane = HEIGHT * WIDTH;
  const data = new Float32Array(3 * plane);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(2 - c) * plane + y * WIDTH + x] = rgb[(y * width + x) * 3 + c] / 127.5 - 1;
    }
  }
  return data;
}
