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
