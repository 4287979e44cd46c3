// Errors between two pictures, as autoencoder/metrics.py computes them.

// dB, as metrics.psnr: of the mean squared error, floored at 1e-12.
function psnr(clean, other) {
  let sum = 0;
  for (let p = 0; p < clean.length; p++) sum += (clean[p] - other[p]) ** 2;
  return 10 * Math.log10(1 / Math.max(sum / clean.length, 1e-12));
}

// Binary cross-entropy averaged over the pixels, as metrics.bce_per_image (Keras' loss:
// probabilities clipped to [1e-7, 1 - 1e-7] before the logs). In float32 as there: near
// a saturated pixel, 1 - p and the clip's bounds rounded otherwise move the log.
const [LOW_P, HIGH_P] = [Math.fround(1e-7), Math.fround(1 - 1e-7)];

function bce(target, output) {
  const clip = (value) => Math.min(Math.max(Math.fround(value), LOW_P), HIGH_P);
  let sum = 0;
  for (let p = 0; p < target.length; p++) {
    const ink = Math.log(clip(output[p]));
    const paper = Math.log(clip(Math.fround(1 - output[p])));
    sum += target[p] * ink + (1 - target[p]) * paper;
  }
  return -sum / target.length;
}
