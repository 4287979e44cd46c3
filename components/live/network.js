// The autoencoder's forward pass, in the browser.
//
// A model arrives as the payload of autoencoder/export.py: its encoder and
// decoder as lists of layers, weights as base64 float32 in Keras' layouts
// (dense (in, out); conv (3, 3, in, out); deconv (3, 3, out, in)). Nothing here
// knows an architecture: it only knows what a dense layer, a 3x3 stride-2
// convolution and its transpose compute (autoencoder/network.py, _conv and
// _deconv). Tensors are flat Float32Arrays, NHWC for images.

function floatsFromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

function loadModel(payload) {
  const load = (layers) =>
    layers.map((layer) => {
      const loaded = { ...layer, kernel: floatsFromBase64(layer.kernel), bias: floatsFromBase64(layer.bias) };
      if (loaded.bias.length !== layer.units) throw new Error(`layer ${layer.name}: bad bias`);
      return loaded;
    });
  return {
    fingerprint: payload.fingerprint,
    latentDim: payload.latent_dim,
    imageSide: payload.image_side,
    encoder: load(payload.encoder),
    decoder: load(payload.decoder),
    // A VAE's log-variance head (autoencoder/inside.py adds it): only the layers view reads it.
    spread: payload.spread ? load([payload.spread])[0] : null,
  };
}

function encode(model, image) {
  return forward(model.encoder, Float32Array.from(image));
}

function decode(model, code) {
  return forward(model.decoder, Float32Array.from(code));
}

function forward(layers, input) {
  let values = input;
  for (const layer of layers) values = applyLayer(layer, values);
  return values;
}

function applyLayer(layer, input) {
  const apply = layer.kind === "dense" ? dense : layer.kind === "conv" ? conv : deconv;
  return activate(apply(layer, input), layer.activation);
}

function dense(layer, input) {
  const { fan_in: fanIn, units, kernel, bias } = layer;
  if (input.length !== fanIn) throw new Error(`layer ${layer.name}: ${input.length} inputs, expected ${fanIn}`);
  const sums = Float64Array.from(bias);
  for (let i = 0; i < fanIn; i++) {
    const value = input[i];
    if (value === 0) continue; // ReLU outputs are mostly zeros
    const row = i * units;
    for (let j = 0; j < units; j++) sums[j] += value * kernel[row + j];
  }
  return Float32Array.from(sums);
}

// 3x3 "same" convolution, stride 2: out[y, x] sums in[2y + r - pad, 2x + c - pad] over the window.
function conv(layer, input) {
  const { fan_in: channels, units, kernel, bias, side, pad } = layer;
  const out = Math.ceil(side / 2);
  const sums = new Float64Array(out * out * units);
  for (let y = 0; y < out; y++) {
    for (let x = 0; x < out; x++) {
      const target = (y * out + x) * units;
      for (let o = 0; o < units; o++) sums[target + o] = bias[o];
      for (let r = 0; r < 3; r++) {
        const row = 2 * y + r - pad;
        if (row < 0 || row >= side) continue;
        for (let c = 0; c < 3; c++) {
          const column = 2 * x + c - pad;
          if (column < 0 || column >= side) continue;
          const source = (row * side + column) * channels;
          const weights = (r * 3 + c) * channels * units;
          for (let i = 0; i < channels; i++) {
            const value = input[source + i];
            if (value === 0) continue;
            const w = weights + i * units;
            for (let o = 0; o < units; o++) sums[target + o] += value * kernel[w + o];
          }
        }
      }
    }
  }
  return Float32Array.from(sums);
}

// Its transpose: each input pixel adds a kernel-weighted 3x3 patch, patches two pixels apart.
function deconv(layer, input) {
  const { fan_in: channels, units, kernel, bias, side, pad } = layer;
  const out = 2 * side;
  const sums = new Float64Array(out * out * units);
  for (let p = 0; p < out * out; p++) for (let o = 0; o < units; o++) sums[p * units + o] = bias[o];
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const source = (y * side + x) * channels;
      for (let r = 0; r < 3; r++) {
        const row = 2 * y + r - pad;
        if (row < 0 || row >= out) continue;
        for (let c = 0; c < 3; c++) {
          const column = 2 * x + c - pad;
          if (column < 0 || column >= out) continue;
          const target = (row * out + column) * units;
          const weights = (r * 3 + c) * units * channels;
          for (let o = 0; o < units; o++) {
            const w = weights + o * channels;
            let sum = 0;
            for (let i = 0; i < channels; i++) sum += input[source + i] * kernel[w + i];
            sums[target + o] += sum;
          }
        }
      }
    }
  }
  return Float32Array.from(sums);
}

function activate(values, activation) {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (activation === "relu") values[i] = value > 0 ? value : 0;
    // The tanh form of the sigmoid, as network.py: no overflow for large |logits|.
    else if (activation === "sigmoid") values[i] = 0.5 + 0.5 * Math.tanh(0.5 * value);
    else if (activation === "clip") values[i] = Math.min(Math.max(value, 0), 1);
  }
  return values;
}
