// Seeded noise, the same as autoencoder/noise.py's corrupt_portable for the same seed.
//
// A counter-based generator: number i of a seed's stream is a hash of (seed, i)
// alone (Chris Wellons' lowbias32, twice), its top 24 bits over 2^24, so the
// uniforms are exact in float32 and float64 and equal to Python's bit for bit.
// Pixel e reads numbers 2e and 2e + 1: Gaussian noise is their Box-Muller,
// masking and salt-and-pepper hit the pixel when the first is below the level.
// So a higher level hits the same pixels and more, as on the server.

function mix32(x) {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function uniforms(seed, count) {
  const key = mix32((Math.imul(seed >>> 0, 0x9e3779b9) + 1) >>> 0);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = (mix32(mix32((i + key) >>> 0) ^ key) >>> 8) * 2 ** -24;
  return values;
}

// The stream depends on the seed and the image's size only: made once, reused for every level.
function noiseField(seed, size) {
  const stream = uniforms(seed, 2 * size);
  const first = new Float64Array(size);
  const normal = new Float64Array(size);
  const salt = new Uint8Array(size);
  for (let e = 0; e < size; e++) {
    const [u, v] = [stream[2 * e], stream[2 * e + 1]];
    first[e] = u;
    normal[e] = Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    salt[e] = v < 0.5 ? 1 : 0;
  }
  return { first, normal, salt };
}

function corrupt(clean, kind, level, field) {
  const noisy = new Float32Array(clean.length);
  for (let e = 0; e < clean.length; e++) {
    if (kind === "gaussian") noisy[e] = Math.min(Math.max(clean[e] + level * field.normal[e], 0), 1);
    else if (field.first[e] < level) noisy[e] = kind === "mask" ? 0 : field.salt[e];
    else noisy[e] = clean[e];
  }
  return noisy;
}
