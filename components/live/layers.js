// Inside the network: every layer's outputs while the visitor draws, and what one unit does.
//
// The layers are the payload's (export.py's list, plus a VAE's log-variance head
// from inside.py), run one at a time as network.js runs them, so each output is
// the one Autoencoder.activations gives in Python. A layer is one canvas: a dense
// layer's units as squares in a near-square block, a convolution's feature maps
// side by side (inside.layer_grid). A unit is picked by a click, or by Tab and the
// arrow keys (Enter or Space picks the one under the focus): a unit of the first
// layer shows its incoming weights, a deeper dense one the pixels that drive it now
// (inside.pixel_weights), a code unit what it paints (inside.paints: the decoder's
// answer to that unit alone, moved a step either way around the current code). Until the first stroke the view shows `data.start` (the visitor's drawing
// from Draw, or a test image) if given. A polite live region reads out a summary
// once a stroke ends and what a picked unit shows: never on every frame.

// Each layer's output, in the order of Autoencoder.activations: [{ layer, values }].
function layerOutputs(model, image) {
  const outputs = [];
  let values = Float32Array.from(image);
  let beforeCode = values;
  model.encoder.forEach((layer, index) => {
    if (index === model.encoder.length - 1) beforeCode = values;
    values = applyLayer(layer, values);
    outputs.push({ layer, values });
  });
  if (model.spread) outputs.push({ layer: model.spread, values: applyLayer(model.spread, beforeCode) });
  for (const layer of model.decoder) {
    values = applyLayer(layer, values);
    outputs.push({ layer, values });
  }
  return outputs;
}

// [side, side, channels] of a convolution's output, [units] of a dense layer's.
function outputShape(layer) {
  if (layer.kind === "conv") return [Math.ceil(layer.side / 2), Math.ceil(layer.side / 2), layer.units];
  if (layer.kind === "deconv") return [2 * layer.side, 2 * layer.side, layer.units];
  return [layer.units];
}

// The weights from the pixels into `unit` of the first layer: 784 (dense, PCA) or 9 (a 3x3 filter).
function incomingWeights(model, unit) {
  const { kernel, units, fan_in: fanIn, kind } = model.encoder[0];
  const count = kind === "conv" ? 9 * fanIn : fanIn;
  return Float32Array.from({ length: count }, (_, i) => kernel[i * units + unit]);
}

// What drives unit `unit` of dense encoder layer `index` now: its incoming weights traced back
// to the pixels through the units that are on (the gradient of its input sum at this drawing;
// for the first layer, its own weights). `outputs`: layerOutputs of the drawing.
function pixelWeights(model, outputs, index, unit) {
  let weights = new Float64Array(model.encoder[index].units);
  weights[unit] = 1;
  for (let k = index; k >= 0; k--) {
    const { kernel, fan_in: fanIn, units } = model.encoder[k];
    const below = new Float64Array(fanIn);
    for (let i = 0; i < fanIn; i++) {
      let sum = 0;
      for (let j = 0; j < units; j++) sum += kernel[i * units + j] * weights[j];
      below[i] = sum;
    }
    if (k > 0) outputs[k - 1].values.forEach((value, i) => value > 0 || (below[i] = 0)); // ReLU off: no way through
    weights = below;
  }
  return Float32Array.from(weights);
}

// Whether pixelWeights reaches layer `index`: dense layers all the way down to the pixels.
function tracedToPixels(model, index) {
  return model.encoder.slice(0, index + 1).every((layer) => layer.kind === "dense" && (layer === model.encoder[index] || layer.activation === "relu"));
}

// Half the difference of the images decoded with code unit `unit` moved `step` up and down.
function paints(model, code, unit, step) {
  const moved = (sign) => {
    const shifted = Float32Array.from(code);
    shifted[unit] += sign * step;
    return decode(model, shifted);
  };
  const [up, down] = [moved(1), moved(-1)];
  return up.map((value, p) => (value - down[p]) / 2);
}

const UNIT_PIXELS = 6; // a dense unit's square, in canvas pixels (CSS enlarges the canvas)
const MAX_UNIT_CSS = 30; // on screen, at most
const GRID_CSS = 288; // a layer's width on screen, at most
const ORANGE = [234, 88, 12];
const BLUE = [79, 70, 229];

// A value in [-1, 1] as a colour: grey for outputs that are never negative, else orange / blue.
function shade(value, signed) {
  if (!signed) {
    const grey = byte(value);
    return [grey, grey, grey];
  }
  const [red, green, blue] = value >= 0 ? ORANGE : BLUE;
  const strength = Math.min(Math.abs(value), 1);
  return [byte(strength * red / 255), byte(strength * green / 255), byte(strength * blue / 255)];
}

function createLayers(root, data, setStateValue) {
  const state = { model: null, image: null, outputs: [], selected: null, inputTime: 0 };
  const start = data.start ? Float32Array.from(data.start) : null;
  const send = sendDrawing(setStateValue);
  const layout = element(root, "div", "layers");
  const side = element(layout, "div", "side");
  const pad = createPad(side, data, {
    draw: (image, inputTime) => render(image || start, inputTime),
    commit: (image, strokes) => {
      send(image, strokes);
      announce(summary(image || start));
    },
  });
  const panel = element(side, "div", "unit");
  const news = element(side, "p", "visually-hidden");
  news.setAttribute("role", "status");
  news.setAttribute("aria-live", "polite");
  news.style.cssText = "position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap";
  const announce = (text) => (news.textContent = text);
  const panelText = element(panel, "p", "caption");
  const panelFigure = figure(panel, "The picked unit");
  panelFigure.parentElement.classList.add("unit-picture");
  const stack = element(layout, "div", "stack");
  const intro = element(stack, "p", "caption");
  intro.textContent = data.intro || WORDS.intro;
  let rows = [];

  function build(model) {
    stack.querySelectorAll(".layer").forEach((row) => row.remove());
    const entries = layerEntries(model);
    rows = entries.map((entry, position) => layerRow(entry, position, entries.length));
    state.selected = null;
    showUnit();
  }

  function layerRow(entry, position, count) {
    const row = element(stack, "section", "layer");
    // 784 numbers are a picture (the input, a dense reconstruction); a convolution's output is
    // maps side by side; a dense layer's units are squares of UNIT_PIXELS, a pixel apart.
    const [mapSide, channels] = gridOf(entry);
    const zoom = mapSide === 1 ? UNIT_PIXELS : 1;
    const stride = mapSide * zoom + 1;
    const columns = Math.ceil(Math.sqrt(channels));
    const gridRows = Math.ceil(channels / columns);
    const title = element(row, "h4", "title");
    title.textContent = heading(entry, position, count);
    const frame = element(row, "div", "grid");
    const canvas = element(frame, "canvas");
    canvas.width = columns * stride - 1;
    canvas.height = gridRows * stride - 1;
    const most = mapSide === 1 ? Math.floor(MAX_UNIT_CSS / zoom) : 10;
    const scale = Math.max(1, Math.min(most, Math.floor(GRID_CSS / canvas.width)));
    canvas.style.width = `${canvas.width * scale}px`;
    canvas.setAttribute("role", "img");
    const marker = element(frame, "div", "marker");
    marker.hidden = true;
    const words = element(row, "p", "caption");
    const item = { ...entry, row, canvas, marker, words, mapSide, zoom, stride, channels, columns, gridRows, picked: 0 };
    if (entry.role !== "input") {
      canvas.tabIndex = 0;
      canvas.addEventListener("click", (event) => {
        const box = canvas.getBoundingClientRect();
        const x = Math.floor((((event.clientX - box.left) / box.width) * canvas.width) / stride);
        const y = Math.floor((((event.clientY - box.top) / box.height) * canvas.height) / stride);
        const unit = Math.min(y, gridRows - 1) * columns + Math.min(x, columns - 1);
        if (unit < channels) pick(item, unit, true);
      });
      canvas.addEventListener("focus", () => pick(item, item.picked));
      canvas.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault(); // Space would scroll the page
          pick(item, item.picked, true);
          return;
        }
        const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns };
        let unit = item.picked + (moves[event.key] || 0);
        if (event.key === "Home") unit = 0;
        if (event.key === "End") unit = channels - 1;
        if (unit === item.picked || unit < 0 || unit >= channels) return;
        event.preventDefault(); // the arrows move the pick, not the page
        pick(item, unit, true);
      });
    }
    return item;
  }

  // A unit picked; `say`: read out what it shows (a click or a key, not a mere focus).
  function pick(item, unit, say = false) {
    const before = state.selected;
    item.picked = unit;
    state.selected = item;
    rows.forEach((other) => (other.marker.hidden = other !== item));
    const { stride, columns, canvas } = item;
    const [x, y] = [(unit % columns) * stride, Math.floor(unit / columns) * stride];
    Object.assign(item.marker.style, {
      left: `${(100 * x) / canvas.width}%`,
      top: `${(100 * y) / canvas.height}%`,
      width: `${(100 * (stride - 1)) / canvas.width}%`,
      height: `${(100 * (stride - 1)) / canvas.height}%`,
    });
    showUnit();
    if (before && before !== item) paintLayer(before); // its label no longer names a pick
    paintLayer(item);
    if (say) announce(panelText.textContent);
  }

  // What a finished stroke did, in a sentence or two: the code, and what ReLU cut.
  function summary(image) {
    if (!image || !state.model) return WORDS.empty;
    const outputs = layerOutputs(state.model, image);
    const code = outputs.find((output) => output.layer === state.model.encoder.at(-1)).values;
    const cut = outputs
      .filter(({ layer }) => layer.activation === "relu")
      .map(({ layer, values }) => `${layer.name} ${values.filter((value) => value > 0).length} of ${values.length} active`);
    const counts = cut.length ? ` Units above zero: ${cut.join(", ")}.` : "";
    return `Every layer redrawn for your drawing. The code: ${describeCodeNumbers(code)}.${counts}`;
  }

  function render(image, inputTime) {
    state.image = image;
    state.inputTime = inputTime;
    stack.hidden = image === null || !state.model;
    if (!stack.hidden) {
      state.outputs = layerOutputs(state.model, image);
      rows.forEach(paintLayer);
      showUnit();
    } else if (state.model) {
      panelText.textContent = WORDS.empty;
      panelFigure.parentElement.hidden = true;
    }
    announceFrame(root, inputTime);
  }

  function valuesOf(item) {
    if (item.role === "input") return state.image;
    return state.outputs.find((output) => output.layer === item.layer).values;
  }

  function paintLayer(item) {
    if (!state.image || !state.outputs.length) return;
    const values = shownValues(item, valuesOf(item));
    const signed = item.role !== "spread" && item.layer !== null && item.layer.activation === "linear";
    const bounded = item.role === "input" || item.role === "output" || item.role === "spread";
    let peak = 1;
    if (!bounded) peak = values.reduce((most, value) => Math.max(most, Math.abs(value)), 0) || 1;
    const { canvas, mapSide: s, zoom, stride, channels, columns } = item;
    const context = canvas.getContext("2d");
    const picture = context.createImageData(canvas.width, canvas.height); // transparent gaps
    const pixels = picture.data;
    for (let unit = 0; unit < channels; unit++) {
      const [left, top] = [(unit % columns) * stride, Math.floor(unit / columns) * stride];
      for (let p = 0; p < s * s; p++) {
        const [red, green, blue] = shade(values[p * channels + unit] / peak, signed);
        const [x, y] = [left + (p % s) * zoom, top + Math.floor(p / s) * zoom];
        for (let dy = 0; dy < zoom; dy++) {
          for (let dx = 0; dx < zoom; dx++) {
            const target = 4 * ((y + dy) * canvas.width + x + dx);
            pixels[target] = red;
            pixels[target + 1] = green;
            pixels[target + 2] = blue;
            pixels[target + 3] = 255;
          }
        }
      }
    }
    context.putImageData(picture, 0, 0);
    item.words.textContent = layerWords(item, values);
    const picked = state.selected === item ? ` ${item.mapSide > 1 && item.channels > 1 ? "Map" : "Unit"} ${item.picked} is picked.` : "";
    canvas.setAttribute("aria-label", `${item.words.textContent}${picked}`);
  }

  function showUnit() {
    const item = state.selected;
    const figureBox = panelFigure.parentElement;
    if (!item) {
      panelText.textContent = WORDS.pick;
      figureBox.hidden = true;
      return;
    }
    const { layer, picked: unit, role } = item;
    const first = layer === state.model.encoder[0];
    const values = state.image && state.outputs.length ? valuesOf(item) : null;
    let now = "";
    if (values && item.mapSide === 1) {
      const value = role === "spread" ? Math.exp(values[unit] / 2) : values[unit];
      now = ` It is ${value.toFixed(3)} now.`;
    }
    let picture = null;
    let caption = "";
    if (role === "code" && values) {
      const step = data.paint_steps ? data.paint_steps[unit] : 1;
      const code = valuesOf(item);
      picture = { values: paints(state.model, code, unit, step), side: 28, scale: true };
      caption = `What code number ${unit} paints: moving it by ${step.toFixed(2)} up and down from your drawing's code, orange is ink it adds as it grows, blue ink it takes away.`;
    } else if (first) {
      const weights = incomingWeights(state.model, unit);
      const filterSide = Math.round(Math.sqrt(weights.length));
      picture = { values: weights, side: filterSide, scale: true };
      caption =
        filterSide === 28
          ? `Unit ${unit}'s incoming weights, one per pixel: ink on orange pixels raises it, ink on blue ones lowers it.`
          : `Filter ${unit}: the 3x3 pattern it looks for, slid over the picture; orange weights reward ink, blue ones punish it.`;
    } else if (role === "encoder" && values && tracedToPixels(state.model, state.model.encoder.indexOf(layer))) {
      const index = state.model.encoder.indexOf(layer);
      picture = { values: pixelWeights(state.model, state.outputs, index, unit), side: 28, scale: true };
      caption = `Unit ${unit} of ${layer.name}: the pixels that drive it now, its incoming weights traced back to the pixels through the units that are on: ink on orange pixels raises it, ink on blue ones lowers it.`;
    } else if (role === "spread") {
      caption = `Code number ${unit}'s spread: the encoder's uncertainty about it (1 is the prior's).`;
    } else if (item.mapSide > 1) {
      caption = `Feature map ${unit} of ${layer.name}: bright where it responds.`;
    } else {
      caption = `Unit ${unit} of ${layer.name}: its inputs are the units of the layer before, not pixels, so it has no picture of its own.`;
    }
    panelText.textContent = `${caption}${now}`;
    figureBox.hidden = picture === null;
    if (picture) paintUnit(picture, caption);
  }

  function paintUnit({ values, side: s }, caption) {
    panelFigure.width = panelFigure.height = s;
    const peak = values.reduce((most, value) => Math.max(most, Math.abs(value)), 0) || 1;
    paint(panelFigure, (p) => shade(values[p] / peak, true));
    panelFigure.setAttribute("aria-label", caption);
    panelFigure.nextElementSibling.textContent = s === 3 ? "3x3 filter, enlarged" : "28x28";
  }

  return {
    setModel(model) {
      if (state.model !== model) {
        state.model = model;
        build(model);
      }
      pad.redraw();
    },
  };
}

const WORDS = {
  intro:
    "Every layer of the network, from your drawing (top) to its reconstruction (bottom), redrawn as you draw. Each square is one number; a feature map is a small picture.",
  empty: "Draw a digit: every layer lights up as you draw.",
  pick: "Click a square, or Tab to a layer, move with the arrow keys and press Enter: a unit of the first layer shows its incoming weights as a picture, a code number what it paints.",
};

// The code's first numbers in words, as autoencoder/describe.py's numbers.
function describeCodeNumbers(values) {
  const named = Array.from(values.slice(0, 4), (value, unit) => `z${unit} = ${value.toFixed(2)}`);
  const rest = values.length - 4;
  return named.join(", ") + (rest > 0 ? ` and ${rest} more numbers` : "");
}

// The view's rows, input first: { layer, shape, role, index } (index: "the second convolution",
// "the first hidden layer", counted within a part and a kind). Inside.shown_layers' order.
function layerEntries(model) {
  const entries = [{ layer: null, shape: [28, 28, 1], role: "input" }];
  const code = model.encoder[model.encoder.length - 1];
  model.encoder.forEach((layer) =>
    entries.push({ layer, shape: outputShape(layer), role: layer === code ? "code" : "encoder" }),
  );
  if (model.spread) entries.push({ layer: model.spread, shape: [model.latentDim], role: "spread" });
  model.decoder.forEach((layer, index) =>
    entries.push({ layer, shape: outputShape(layer), role: index === model.decoder.length - 1 ? "output" : "decoder" }),
  );
  entries.forEach((entry, position) => {
    const alike = entries.slice(0, position).filter((other) => other.role === entry.role && other.layer && other.layer.kind === entry.layer.kind);
    entry.index = alike.length;
  });
  return entries;
}

// [side of a map, maps]: 784 numbers are a picture (the input, a dense reconstruction), a
// convolution's output is maps, a dense layer's units are maps of one value each.
function gridOf({ shape }) {
  if (shape.length === 1 && shape[0] === 784) return [28, 1];
  return shape.length === 3 ? [shape[0], shape[2]] : [1, shape[0]];
}

// A layer's values as shown: a log-variance as its standard deviation (the spread).
function shownValues({ role }, values) {
  return role === "spread" ? values.map((logVar) => Math.exp(logVar / 2)) : values;
}

// What a row's numbers are, now: its caption and the start of its canvas' label.
function layerWords(entry, values) {
  const [mapSide, channels] = gridOf(entry);
  const zeros = values.reduce((count, value) => count + (value === 0 ? 1 : 0), 0);
  return describe({ ...entry, mapSide, channels }, values, zeros);
}

const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth"];

function heading({ layer, shape, role }, position, count) {
  const pixels = shape.reduce((product, length) => product * length, 1) === 784 && shape.at(-1) <= 1;
  let size = shape.length === 3 ? `${shape[2]} maps of ${shape[0]}x${shape[1]}` : `${shape[0]} numbers`;
  if (pixels || (shape.length === 1 && shape[0] === 784)) size = "784 pixels (28x28)";
  if (role === "input") return `Input · 784 pixels (28x28)`;
  const what = role === "spread" ? "log-variance, shown as a spread" : layer.activation === "linear" ? "no activation" : layer.activation;
  return `Layer ${position} of ${count - 1} · ${layer.name} · ${size}, ${what}`;
}

function describe({ layer, role, index, channels, mapSide }, values, zeros) {
  const n = values.length;
  const ordinal = ORDINALS[index] || `number ${index + 1}`;
  let cut = layer && layer.activation === "relu" ? `; the dark ones are zero: ReLU cut them (${zeros} of ${n} now)` : "";
  if (cut && mapSide > 1) cut = `; dark is zero: ReLU cut ${zeros} of their ${n} values now`;
  if (role === "input") return "The 784 pixels the network gets: your drawing, made 28x28 the way MNIST's digits were.";
  if (role === "spread") {
    return `The code's spread: how unsure the encoder is of each of its ${n} numbers (the standard deviation, from the log-variance head). White is 1, the prior's: a number the model leaves unused; dark: the encoder is sure.`;
  }
  if (role === "code") {
    const signs = layer.activation === "linear" ? "; orange is above 0, blue below" : "";
    const what = layer.name === "pca_encode" ? `your drawing's coordinates along PCA's ${n} main directions` : layer.name === "latent_mean" ? "the mean of the code, what the decoder gets" : "all the decoder gets";
    return `The code: these ${n} numbers are ${what}${signs}${cut}.`;
  }
  if (role === "output") return "The output: 784 pixels (28x28), the reconstruction.";
  if (mapSide > 1) {
    const how = layer.kind === "conv" ? `the ${ordinal} convolution's ${channels} filters, each a 3x3 pattern slid over its input two pixels at a time` : `a transposed convolution grows them back from the code, doubling the side`;
    return `${channels} feature maps of ${mapSide}x${mapSide}: ${how}${cut}.`;
  }
  const which = role === "encoder" ? `the ${ordinal} hidden layer's outputs` : `what the decoder's ${ordinal} layer makes of the code`;
  return `These ${n} numbers are ${which}${cut}.`;
}
