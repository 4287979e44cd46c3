// Generate, in the browser: a 2-number VAE's map of the digits, where the decoded
// digit follows the pointer (or the z sliders, or the arrow keys), and interpolation
// rows through several models' codes, redrawn as the steps slider moves. What was
// chosen goes back to Python when a gesture ends: the point when the pointer is
// lifted or a slider let go, the steps likewise.

const CATEGORY10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

// `steps` codes evenly spaced from `start` to `end`, ends included (latent.interpolate).
function interpolate(start, end, steps) {
  return Array.from({ length: steps }, (_, index) => {
    const weight = index / (steps - 1);
    return Float32Array.from(start, (value, j) => (1 - weight) * value + weight * end[j]);
  });
}

// What generation.interpolation_row decodes: the images along the straight line between two codes.
function interpolationRow(model, start, end, steps) {
  return interpolate(encode(model, start), encode(model, end), steps).map((code) => decode(model, code));
}

function createMap(root, data, setStateValue) {
  const { points, limit, span, step } = data;
  const state = { model: null, point: [...data.start], pending: false, inputTime: 0 };
  const layout = element(root, "div", "map");
  const chart = element(layout, "div", "chart");
  const canvas = element(chart, "canvas", "plane");
  const size = data.size;
  const ratio = Math.min(window.devicePixelRatio || 1, 2);
  canvas.width = canvas.height = Math.round(size * ratio);
  canvas.style.width = `${size}px`;
  chart.style.maxWidth = `${size}px`; // its caption wraps under it: the point's panel stays beside
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "img");
  element(chart, "p", "caption").textContent = data.map_caption;

  const side = element(layout, "div", "point");
  const sliders = [0, 1].map((axis) => {
    const box = element(side, "label", "slider");
    element(box, "span", "name").textContent = `z${axis}`;
    const shown = element(box, "output", "value");
    const input = element(box, "input");
    Object.assign(input, { type: "range", min: -span, max: span, step });
    input.addEventListener("input", (event) => {
      state.point[axis] = Number(input.value);
      schedule(event.timeStamp);
    });
    input.addEventListener("change", commit);
    return { input, shown };
  });
  const decoded = figure(side, "Decoded", "large");

  // The plane's pixels <-> codes: x is z0 left to right, y is z1 bottom to top, as on the server's chart.
  const margin = 28 * ratio;
  const inner = canvas.width - 2 * margin;
  const toPixel = (value) => margin + ((value + limit) / (2 * limit)) * inner;
  const toCode = (pixel) => ((pixel - margin) / inner) * 2 * limit - limit;
  const round = (value) => Math.round(Math.min(Math.max(value, -span), span) * 100) / 100;
  const background = document.createElement("canvas");
  background.width = background.height = canvas.width;
  drawBackground(background.getContext("2d"));

  function drawBackground(context) {
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.strokeStyle = "#ccc";
    context.fillStyle = "#555";
    context.font = `${11 * ratio}px sans-serif`;
    context.textAlign = "center";
    for (let tick = -limit; tick <= limit; tick++) {
      const at = toPixel(tick);
      context.fillText(String(tick), at, canvas.height - margin + 14 * ratio);
      context.fillText(String(tick), margin - 12 * ratio, canvas.height - at + 4 * ratio);
    }
    context.strokeRect(margin, margin, inner, inner);
    context.fillText("z0", canvas.width / 2, canvas.height - 4 * ratio);
    context.fillText("z1", 8 * ratio, canvas.height / 2);
    for (const [z0, z1, label] of points) {
      context.globalAlpha = 0.6;
      context.fillStyle = CATEGORY10[label % 10];
      context.beginPath();
      context.arc(toPixel(z0), canvas.height - toPixel(z1), 1.8 * ratio, 0, 2 * Math.PI);
      context.fill();
    }
    context.globalAlpha = 1;
    context.setLineDash([4 * ratio, 4 * ratio]);
    context.strokeStyle = "#555";
    const [low, high] = [toPixel(-data.square), toPixel(data.square)];
    context.strokeRect(low, canvas.height - high, high - low, high - low);
    context.setLineDash([]);
  }

  function fromPointer(event) {
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * canvas.width;
    const y = canvas.height - ((event.clientY - box.top) / box.height) * canvas.height;
    state.point = [round(toCode(x)), round(toCode(y))];
    schedule(event.timeStamp);
  }
  let dragging = false;
  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    canvas.setPointerCapture(event.pointerId);
    dragging = true;
    fromPointer(event);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (dragging) fromPointer(event);
  });
  const end = (event) => {
    if (!dragging) return;
    dragging = false;
    fromPointer(event);
    commit();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("keydown", (event) => {
    const moves = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    if (!moves[event.key]) return;
    event.preventDefault();
    state.point = state.point.map((value, axis) => round(value + moves[event.key][axis] * 0.1));
    schedule(event.timeStamp);
  });
  canvas.addEventListener("keyup", (event) => {
    if (event.key.startsWith("Arrow")) commit();
  });

  function schedule(inputTime) {
    state.inputTime = inputTime;
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(draw);
  }

  function draw() {
    state.pending = false;
    const [z0, z1] = state.point;
    const context = canvas.getContext("2d");
    context.drawImage(background, 0, 0);
    const [x, y] = [toPixel(z0), canvas.height - toPixel(z1)];
    context.strokeStyle = "#000";
    context.lineWidth = 3 * ratio;
    context.beginPath();
    context.moveTo(x - 8 * ratio, y);
    context.lineTo(x + 8 * ratio, y);
    context.moveTo(x, y - 8 * ratio);
    context.lineTo(x, y + 8 * ratio);
    context.stroke();
    context.lineWidth = 1;
    const where = `z = (${z0.toFixed(2)}, ${z1.toFixed(2)})`;
    canvas.setAttribute("aria-label", `${data.map_label}; the cross is at ${where}. Arrow keys move it.`);
    sliders.forEach(({ input, shown }, axis) => {
      input.value = state.point[axis];
      shown.textContent = state.point[axis].toFixed(2);
    });
    if (state.model) {
      paintGrey(decoded, decode(state.model, Float32Array.from(state.point)));
      caption(decoded, `${where}, decoded`);
    }
    announceFrame(root, state.inputTime);
  }

  const say = liveRegion(side);

  // When the pointer is lifted, a slider let go or an arrow key released.
  function commit() {
    setStateValue("point", [...state.point]);
    say(`Decoded the point z = (${state.point[0].toFixed(2)}, ${state.point[1].toFixed(2)}).`);
  }

  return {
    setModel(model) {
      state.model = model;
      draw();
    },
  };
}

function createInterpolation(root, data, setStateValue) {
  const start = Float32Array.from(data.start);
  const end = Float32Array.from(data.end);
  const state = { models: [], ends: [], steps: data.steps, pending: false, inputTime: 0 };
  const layout = element(root, "div", "interpolation");
  const box = element(layout, "label", "slider");
  element(box, "span", "name").textContent = data.steps_label;
  const shown = element(box, "output", "value");
  const input = element(box, "input");
  Object.assign(input, { type: "range", min: data.min, max: data.max, step: 1 });
  input.value = data.steps;
  input.addEventListener("input", (event) => {
    state.steps = Number(input.value);
    schedule(event.timeStamp);
  });
  input.addEventListener("change", () => commit());
  const rows = element(layout, "div", "rows");
  const say = liveRegion(layout);

  function schedule(inputTime) {
    state.inputTime = inputTime;
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(draw);
  }

  function row(title, images) {
    const strip = element(rows, "figure", "strip");
    const cells = element(strip, "div", "cells");
    images.forEach((image, index) => {
      const canvas = element(cells, "canvas");
      canvas.width = canvas.height = 28;
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `${title}, step ${index + 1} of ${images.length} ${data.path_words}`);
      paintGrey(canvas, image);
    });
    element(strip, "figcaption").textContent = title;
  }

  function draw() {
    state.pending = false;
    shown.textContent = String(state.steps);
    rows.replaceChildren();
    state.models.forEach((model, index) => {
      const [from, to] = state.ends[index]; // the ends' codes: encoded once, not per frame
      row(data.models[index], interpolate(from, to, state.steps).map((code) => decode(model, code)));
    });
    row(data.fade_caption, interpolate(start, end, state.steps));
    announceFrame(root, state.inputTime);
  }

  // When the thumb is let go: Python hears the steps, a screen reader what the rows now show.
  function commit() {
    setStateValue("steps", state.steps);
    say(`${state.models.length + 1} rows of ${state.steps} steps ${data.path_words}.`);
  }

  return {
    setModels(models) {
      state.models = models;
      state.ends = models.map((model) => [encode(model, start), encode(model, end)]);
      draw();
    },
  };
}
