// A drawing -> the 28x28 input the model sees, the way MNIST was made.
//
// A copy of autoencoder/preprocess.py (canvas_to_ink and to_mnist), which stays
// the reference: ink bounding box at 0.1 of the peak, longest side to 20 px with
// Pillow's Lanczos-3 resampling (separable, horizontal pass first), normalised to
// peak 1, centre of mass moved to (14, 14) by whole pixels kept inside the frame.
// The constants come from Python (views/live.py). NumPy works in float32 here, so
// Math.fround keeps each step in float32 too: the ink threshold then cuts the
// box at the same pixel.

const f32 = Math.fround;

// Light strokes on a dark or clear background: mean of RGB, times alpha. Both factors
// take few values, so they are looked up (a frame of a drawing reads 78,400 pixels).
const GREY = Float32Array.from({ length: 766 }, (_, sum) => f32(sum / 3) / 255);
const OPACITY = Float32Array.from({ length: 256 }, (_, alpha) => alpha / 255);

function canvasToInk(rgba, width, height) {
  const ink = new Float32Array(width * height);
  for (let p = 0, q = 0; p < ink.length; p++, q += 4) {
    ink[p] = GREY[rgba[q] + rgba[q + 1] + rgba[q + 2]] * OPACITY[rgba[q + 3]];
  }
  return ink;
}

// Python's round(): halves go to the even neighbour.
function roundHalfEven(value) {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

// Bright-on-dark ink (width x height) -> 28x28 Float32Array, or null when blank.
function toMnist(ink, width, height, constants) {
  const { box, centre, threshold, side } = constants;
  let peak = 0;
  for (let p = 0; p < ink.length; p++) if (ink[p] > peak) peak = ink[p];
  if (!(peak >= threshold)) return null;

  const cut = f32(threshold * peak);
  let top = height, bottom = -1, left = width, right = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (ink[row + x] > cut) {
        if (top > y) top = y;
        bottom = y;
        if (left > x) left = x;
        if (right < x) right = x;
      }
    }
  }
  const cropHeight = bottom - top + 1, cropWidth = right - left + 1;
  const crop = new Float32Array(cropHeight * cropWidth);
  for (let y = 0; y < cropHeight; y++) {
    for (let x = 0; x < cropWidth; x++) crop[y * cropWidth + x] = f32(ink[(top + y) * width + left + x] / peak);
  }

  const scale = box / Math.max(cropHeight, cropWidth);
  const newWidth = Math.max(1, roundHalfEven(cropWidth * scale));
  const newHeight = Math.max(1, roundHalfEven(cropHeight * scale));
  const digit = lanczosResize(crop, cropWidth, cropHeight, newWidth, newHeight);
  let brightest = 0;
  for (let p = 0; p < digit.length; p++) {
    if (digit[p] < 0) digit[p] = 0;
    if (digit[p] > brightest) brightest = digit[p];
  }
  const divisor = f32(Math.max(brightest, 1e-6));
  for (let p = 0; p < digit.length; p++) digit[p] = f32(digit[p] / divisor); // strokes saturate

  let mass = 0, rowMoment = 0, columnMoment = 0;
  for (let y = 0; y < newHeight; y++) {
    for (let x = 0; x < newWidth; x++) {
      const value = digit[y * newWidth + x];
      mass += value;
      rowMoment += value * y;
      columnMoment += value * x;
    }
  }
  const place = (shift, length) => Math.min(Math.max(roundHalfEven(shift), 0), side - length);
  const rowOffset = place(centre - rowMoment / mass, newHeight);
  const columnOffset = place(centre - columnMoment / mass, newWidth);

  const frame = new Float32Array(side * side);
  for (let y = 0; y < newHeight; y++) {
    for (let x = 0; x < newWidth; x++) {
      frame[(rowOffset + y) * side + columnOffset + x] = Math.min(digit[y * newWidth + x], 1);
    }
  }
  return frame;
}

// Pillow's Image.resize(size, LANCZOS) of a float ("F") image: libImaging/Resample.c.
function lanczosResize(pixels, width, height, newWidth, newHeight) {
  let rows = pixels;
  if (newWidth !== width) {
    const [bounds, weights, size] = lanczosWeights(width, newWidth);
    rows = new Float32Array(newWidth * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < newWidth; x++) {
        let sum = 0;
        for (let k = 0; k < bounds[2 * x + 1]; k++) sum += pixels[y * width + bounds[2 * x] + k] * weights[x * size + k];
        rows[y * newWidth + x] = sum;
      }
    }
  }
  if (newHeight === height) return rows;
  const [bounds, weights, size] = lanczosWeights(height, newHeight);
  const out = new Float32Array(newWidth * newHeight);
  for (let y = 0; y < newHeight; y++) {
    for (let x = 0; x < newWidth; x++) {
      let sum = 0;
      for (let k = 0; k < bounds[2 * y + 1]; k++) sum += rows[(bounds[2 * y] + k) * newWidth + x] * weights[y * size + k];
      out[y * newWidth + x] = sum;
    }
  }
  return out;
}

// precompute_coeffs: for each output pixel, its first input pixel, how many, and their weights.
function lanczosWeights(inSize, outSize) {
  const sinc = (x) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));
  const lanczos = (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0);
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 3 * filterScale;
  const size = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(2 * outSize);
  const weights = new Float64Array(outSize * size);
  for (let x = 0; x < outSize; x++) {
    const center = (x + 0.5) * scale;
    const first = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - first;
    let total = 0;
    for (let k = 0; k < count; k++) {
      const weight = lanczos((k + first - center + 0.5) * (1 / filterScale));
      weights[x * size + k] = weight;
      total += weight;
    }
    if (total !== 0) for (let k = 0; k < count; k++) weights[x * size + k] /= total;
    bounds[2 * x] = first;
    bounds[2 * x + 1] = count;
  }
  return [bounds, weights, size];
}
