// A drawing pad for a pen, a mouse or a finger: strokes, brushes, undo and clear,
// and the drawing as the model sees it (MNIST's preprocessing, preprocess.js).
// Draw, the layers view and Compare each put one on the page; `draw` is called
// once per animation frame while a stroke goes on, `commit` when one ends (or is
// undone, or the pad cleared), which is when the drawing goes back to Python.

function createPad(parent, data, { draw, commit }) {
  const { side, brushes, preprocess } = data;
  const state = { strokes: data.strokes || [], brush: data.brush, pending: false, inputTime: 0 };

  const pad = element(parent, "div", "pad");
  const canvas = element(pad, "canvas", "ink");
  canvas.width = canvas.height = side;
  canvas.style.width = `${side}px`;
  describeCanvas(canvas, "Drawing canvas"); // pictures.js: role="img" and its name
  const context = canvas.getContext("2d", { willReadFrequently: true });

  const tools = element(pad, "div", "tools");
  const brushButtons = Object.keys(brushes).map((name) => {
    const button = element(tools, "button", "brush");
    Object.assign(button, { type: "button", textContent: name });
    button.addEventListener("click", () => {
      state.brush = name;
      brushButtons.forEach((other) => other.setAttribute("aria-pressed", other === button));
    });
    button.setAttribute("aria-pressed", name === state.brush);
    return button;
  });
  const undo = element(tools, "button", "undo");
  Object.assign(undo, { type: "button", textContent: "Undo" });
  const clear = element(tools, "button", "clear");
  Object.assign(clear, { type: "button", textContent: "Clear" });
  const hint = element(pad, "p", "caption");
  hint.textContent = data.hint;

  undo.addEventListener("click", (event) => {
    state.strokes.pop();
    schedule(event.timeStamp);
    finish();
  });
  clear.addEventListener("click", (event) => {
    state.strokes = [];
    schedule(event.timeStamp);
    finish();
  });

  // Pointer events: one code path for a mouse, a pen and a finger (touch-action: none in CSS).
  let active = null;
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    const tenth = (value) => Math.round(value * 10) / 10; // the strokes go to Python: keep them short
    return [tenth(((event.clientX - box.left) * side) / box.width), tenth(((event.clientY - box.top) * side) / box.height)];
  };
  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    canvas.setPointerCapture(event.pointerId);
    active = { width: brushes[state.brush], points: [point(event)] };
    state.strokes.push(active);
    schedule(event.timeStamp);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!active) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const each of events.length ? events : [event]) active.points.push(point(each));
    schedule(event.timeStamp);
  });
  const end = (event) => {
    if (!active) return;
    active = null;
    schedule(event.timeStamp);
    finish();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  function schedule(inputTime) {
    state.inputTime = inputTime;
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(() => {
      state.pending = false;
      redraw();
    });
  }

  function strokeAll() {
    context.fillStyle = "#000";
    context.fillRect(0, 0, side, side);
    context.strokeStyle = context.fillStyle = "#fff";
    context.lineCap = context.lineJoin = "round";
    for (const { width, points } of state.strokes) {
      context.lineWidth = width;
      context.beginPath();
      if (points.length === 1) {
        context.arc(points[0][0], points[0][1], width / 2, 0, 2 * Math.PI);
        context.fill();
        continue;
      }
      // Through the midpoints, bending at each point: a smooth line, as a pen leaves.
      context.moveTo(...points[0]);
      for (let i = 1; i < points.length - 1; i++) {
        const [x, y] = points[i];
        const [nextX, nextY] = points[i + 1];
        context.quadraticCurveTo(x, y, (x + nextX) / 2, (y + nextY) / 2);
      }
      context.lineTo(...points[points.length - 1]);
      context.stroke();
    }
  }

  function digit() {
    const pixels = context.getImageData(0, 0, side, side).data;
    return state.strokes.length ? toMnist(canvasToInk(pixels, side, side), side, side, preprocess) : null;
  }

  function redraw() {
    strokeAll();
    hint.hidden = state.strokes.length > 0;
    draw(digit(), state.inputTime);
  }

  function finish() {
    strokeAll();
    commit(digit(), state.strokes);
  }

  return { redraw };
}

// What a pad's commit sends Python: the 28x28 input (null once empty) and the strokes to redraw it.
function sendDrawing(setStateValue) {
  return (image, strokes) => setStateValue("drawing", { digit: image && Array.from(image), strokes });
}
