// Explore: sliders that move a code, and the code decoded on every move.
//
// Python (views/live.py) says what the sliders mean: code = origin + sum of
// value_k * basis_k, kept >= 0 when `clamp` (ReLU codes). Unit sliders have the
// identity for a basis (sent as null); direction sliders the main directions, scaled. The picture
// is redrawn once per animation frame while a thumb moves; the code goes back to
// Python when it is let go ("change"), so the rest of the page agrees.

function createExplore(root, data, setStateValue) {
  const { origin, sliders, clamp } = data;
  const dim = origin.length;
  const basis = data.basis ? data.basis.flat() : sliders.flatMap((_, k) => origin.map((_, j) => +(j === k)));
  const values = sliders.map((slider) => slider.value);
  const state = { model: null, pending: false, inputTime: 0 };

  const layout = element(root, "div", "explore");
  const pictures = element(layout, "div", "pictures");
  const decoded = figure(pictures, data.decoded_caption, "large");
  const start = data.start ? figure(pictures, "The starting code, decoded", "small") : null;
  const say = liveRegion(pictures);
  const reset = element(pictures, "button", "reset");
  reset.type = "button";
  reset.textContent = "Reset to the start";

  const controls = element(layout, "div", "controls");
  element(controls, "p", "caption").textContent = data.caption;
  const grid = element(controls, "div", "sliders");
  grid.style.setProperty("--columns", data.columns);
  const inputs = sliders.map((slider, index) => {
    const cell = element(grid, "label", "slider");
    const name = element(cell, "span", "name");
    name.textContent = slider.label;
    if (slider.dead) {
      cell.classList.add("dead");
      element(cell, "span", "value").textContent = "dead, always 0";
      return null;
    }
    const shown = element(cell, "output", "value");
    const input = element(cell, "input");
    Object.assign(input, { type: "range", min: slider.min, max: slider.max, step: slider.step });
    input.value = slider.value; // the thumb snaps to the step; the code keeps the exact start
    const show = () => (shown.textContent = values[index].toFixed(slider.decimals));
    show();
    input.addEventListener("input", (event) => {
      values[index] = Number(input.value);
      show();
      schedule(event.timeStamp);
    });
    input.addEventListener("change", commit);
    return { input, show };
  });

  reset.addEventListener("click", (event) => {
    sliders.forEach((slider, index) => {
      values[index] = slider.value;
      if (inputs[index]) {
        inputs[index].input.value = slider.value;
        inputs[index].show();
      }
    });
    schedule(event.timeStamp);
    commit();
  });

  function code() {
    const result = Float64Array.from(origin);
    values.forEach((value, k) => {
      if (value !== 0) for (let j = 0; j < dim; j++) result[j] += value * basis[k * dim + j];
    });
    return clamp ? result.map((value) => Math.max(value, 0)) : result;
  }

  function schedule(inputTime) {
    state.inputTime = inputTime;
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(draw);
  }

  function draw() {
    state.pending = false;
    if (!state.model) return;
    paintGrey(decoded, decode(state.model, code()));
    announceFrame(root, state.inputTime);
  }

  // When a thumb is let go (a key press counts): the picture's label follows, read out politely.
  function commit() {
    const now = Array.from(code());
    setStateValue("code", now);
    const words = describeCode(now);
    describeCanvas(decoded, `${data.decoded_caption}: ${words}`); // the caption first (2.5.3)
    say(`Decoded picture updated: ${words}.`);
  }

  return {
    setModel(model) {
      state.model = model;
      if (start) paintGrey(start, decode(model, data.start));
      if (start) describeCanvas(start, `The starting code, decoded: ${describeCode(data.start)}`);
      describeCanvas(decoded, `${data.decoded_caption}: ${describeCode(Array.from(code()))}`);
      draw();
    },
  };
}

function element(parent, tag, className = "") {
  const child = document.createElement(tag);
  if (className) child.className = className;
  parent.append(child);
  return child;
}
