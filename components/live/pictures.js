// 28x28 pictures on canvases, as views/common.py draws them (enlarge, error_map):
// the canvas holds the 28x28 pixels and CSS enlarges them without blur.

function figure(parent, caption, className = "") {
  const element = document.createElement("figure");
  element.className = className;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 28;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", caption);
  const text = document.createElement("figcaption");
  text.textContent = caption;
  element.append(canvas, text);
  parent.append(element);
  return canvas;
}

// A figure's caption, and its canvas' label with it.
function caption(canvas, text) {
  canvas.setAttribute("aria-label", text);
  canvas.nextElementSibling.textContent = text;
}

function paint(canvas, rgbOf) {
  const context = canvas.getContext("2d");
  const image = context.createImageData(canvas.width, canvas.height);
  for (let p = 0; p < canvas.width * canvas.height; p++) {
    const [red, green, blue] = rgbOf(p);
    image.data[4 * p] = red;
    image.data[4 * p + 1] = green;
    image.data[4 * p + 2] = blue;
    image.data[4 * p + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

const byte = (value) => Math.trunc(Math.min(Math.max(value, 0), 1) * 255);

function paintGrey(canvas, values) {
  paint(canvas, (p) => {
    const grey = byte(values[p]);
    return [grey, grey, grey];
  });
}

// Reconstruction minus input: extra ink glows orange, missing ink sky blue (Okabe and Ito's
// colour-blind-safe pair, as autoencoder/pictures.py's error_map); the square root lifts small errors.
const TOO_MUCH_INK = [230, 159, 0];
const TOO_LITTLE_INK = [86, 180, 233];

function errorColour(original, reconstruction) {
  const difference = Math.fround(Math.fround(reconstruction) - Math.fround(original));
  const added = Math.fround(Math.sqrt(Math.min(Math.max(difference, 0), 1)));
  const lost = Math.fround(Math.sqrt(Math.min(Math.max(-difference, 0), 1)));
  return TOO_MUCH_INK.map((much, c) => Math.trunc(Math.min(added * much + lost * TOO_LITTLE_INK[c], 255)));
}

function paintError(canvas, original, reconstruction) {
  paint(canvas, (p) => errorColour(original[p], reconstruction[p]));
}

// Tell whoever listens (tests, benchmarks/browser_latency.py) that a new picture is up.
function announceFrame(root, inputTime) {
  root.dispatchEvent(
    new CustomEvent("live-frame", { bubbles: true, composed: true, detail: { input: inputTime, drawn: performance.now() } }),
  );
}

// For screen readers (any view may call these): a canvas' text alternative, and a polite
// live region that reads out what a view says once an action ends (never on every frame).
function describeCanvas(canvas, text) {
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", text);
}

function liveRegion(parent) {
  const region = document.createElement("p");
  region.className = "visually-hidden";
  region.setAttribute("role", "status");
  region.setAttribute("aria-live", "polite");
  parent.append(region);
  return (text) => {
    region.textContent = text;
  };
}

// The words of autoencoder/describe.py, for the live pictures.
const INK_CHANGE = 0.1;

function describeCode(values) {
  const named = Array.from(values.slice(0, 4), (value, unit) => `z${unit} = ${value.toFixed(2)}`);
  const rest = values.length - 4;
  return `decoded from code ${named.join(", ")}` + (rest > 0 ? ` and ${rest} more numbers` : "");
}

function describeReconstruction(of, error, percentile, things) {
  const figures = `error ${error.toFixed(3)}` + (percentile === null ? "" : `, worse than ${percentile.toFixed(0)}% of ${things}`);
  return `the model's reconstruction of ${of} (${figures})`;
}

function describeErrorMap(original, rebuilt, of) {
  let darker = 0;
  let lighter = 0;
  for (let p = 0; p < original.length; p++) {
    const difference = rebuilt[p] - original[p];
    if (difference > INK_CHANGE) darker++;
    else if (difference < -INK_CHANGE) lighter++;
  }
  if (darker === 0 && lighter === 0) return `error map: no pixel differs from ${of}`;
  return `error map against ${of}: ${darker} of ${original.length} pixels have too much ink (shown orange, +), ${lighter} too little (shown blue, -)`;
}

// Where ``value`` falls (0-100) among evenly spaced quantiles, as metrics.percentile_of.
function percentileOf(value, quantiles) {
  if (!quantiles || !quantiles.length) return null;
  const last = quantiles.length - 1;
  if (value <= quantiles[0]) return 0;
  if (value >= quantiles[last]) return 100;
  let i = 0;
  while (quantiles[i + 1] < value) i++;
  const span = quantiles[i + 1] - quantiles[i];
  return (100 * (i + (span > 0 ? (value - quantiles[i]) / span : 0))) / last;
}
