// Draw: a canvas for a pen, a mouse or a finger, and what the model makes of the
// drawing, redrawn once per animation frame while the stroke goes on. When a
// stroke ends (or is undone, or the canvas cleared) the 28x28 input and the
// strokes go back to Python, which keeps them for the other pages.

function createDraw(root, data, setStateValue) {
  const { side, brushes, preprocess } = data;
  const state = { model: null, strokes: data.strokes || [], brush: data.brush, pending: false, inputTime: 0 };

  const layout = element(root, "div", "draw");
  const pad = element(layout, "div", "pad");
  const canvas = element(pad, "canvas", "ink");
  canvas.width = canvas.height = side;
  canvas.style.width = `${side}px`;
  describeCanvas(canvas, "Drawing canvas"); // benchmarks/browser_visitor.py finds it by this name
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

  const results = element(layout, "div", "results");
  const [input, reconstruction, error] = data.captions.map((caption) => figure(results, caption));
  const say = liveRegion(layout);

  undo.addEventListener("click", (event) => {
    state.strokes.pop();
    schedule(event.timeStamp);
    commit();
  });
  clear.addEventListener("click", (event) => {
    state.strokes = [];
    schedule(event.timeStamp);
    commit();
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
    commit();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  function schedule(inputTime) {
    state.inputTime = inputTime;
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(() => {
      state.pending = false;
      render();
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

  function render() {
    strokeAll();
    const image = digit();
    results.hidden = image === null || !state.model;
    hint.hidden = state.strokes.length > 0;
    if (!results.hidden) {
      const rebuilt = decode(state.model, encode(state.model, image));
      paintGrey(input, image);
      paintGrey(reconstruction, rebuilt);
      paintError(error, image, rebuilt);
    }
    announceFrame(root, state.inputTime);
  }

  function commit() {
    strokeAll();
    const image = digit();
    setStateValue("drawing", { digit: image && Array.from(image), strokes: state.strokes });
    describe(image);
  }

  // Once a stroke ends (never on every frame): the pictures' labels, and the news read out.
  function describe(image) {
    if (image === null || !state.model) {
      say("The canvas is empty.");
      return;
    }
    const rebuilt = decode(state.model, encode(state.model, image));
    const score = bce(image, rebuilt);
    const words = describeReconstruction("your drawing", score, percentileOf(score, data.quantiles), data.things);
    // Each label starts with the visible caption (2.5.3, label in name), then the figures.
    const [inputCaption, rebuiltCaption, errorCaption] = data.captions;
    describeCanvas(input, `${inputCaption}: your drawing as the model sees it, 28 by 28 pixels, white ink on black`);
    describeCanvas(reconstruction, `${rebuiltCaption}: ${words}`);
    describeCanvas(error, `${errorCaption}: ${describeErrorMap(image, rebuilt, "your drawing")}`);
    say(`New reconstruction: ${words}.`);
  }

  return {
    setModel(model) {
      state.model = model;
      render();
    },
  };
}
