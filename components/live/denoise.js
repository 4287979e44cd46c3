// Denoise: a clean image, spoiled by seeded noise (noise.js, the same as the server's
// noise.corrupt_portable), and what each model rebuilds from it, with PSNRs. The
// noise kind and the level slider redraw all of it on every input event; the choice
// goes back to Python when the thumb is let go or a kind clicked, so the chart's
// rule and the page's link agree.

// The pictures of one setting: the noisy image and each model's output, PSNR against the clean.
function denoiseFrame(models, clean, kind, level, field) {
  const noisy = corrupt(clean, kind, level, field);
  const outputs = models.map((model) => decode(model, encode(model, noisy)));
  return { noisy, noisyPsnr: psnr(clean, noisy), outputs, psnrs: outputs.map((output) => psnr(clean, output)) };
}

function createDenoise(root, data, setStateValue) {
  const clean = Float32Array.from(data.clean);
  const field = noiseField(data.seed, clean.length); // one draw for every level, as the server's
  const state = { models: [], kind: data.kind, level: data.level, pending: false, inputTime: 0, said: "" };

  const layout = element(root, "div", "denoise");
  const controls = element(layout, "div", "controls");
  const kinds = element(controls, "div", "segmented");
  kinds.setAttribute("role", "group");
  kinds.setAttribute("aria-label", data.kind_label);
  element(kinds, "span", "name").textContent = data.kind_label;
  const buttons = data.kinds.map(({ kind, label }) => {
    const button = element(kinds, "button", "kind");
    Object.assign(button, { type: "button", textContent: label });
    button.addEventListener("click", (event) => {
      state.kind = kind;
      showKind();
      schedule(event.timeStamp);
      commit();
    });
    return { kind, button };
  });
  const levelBox = element(controls, "label", "slider");
  element(levelBox, "span", "name").textContent = data.level_label;
  const shown = element(levelBox, "output", "value");
  const slider = element(levelBox, "input");
  Object.assign(slider, { type: "range", min: data.min, max: data.max, step: data.step });
  slider.value = data.level;
  const meaning = element(controls, "p", "caption");
  slider.addEventListener("input", (event) => {
    state.level = Number(slider.value);
    shown.textContent = state.level.toFixed(2);
    schedule(event.timeStamp);
  });
  slider.addEventListener("change", commit);

  const pictures = element(layout, "div", "pictures");
  const say = liveRegion(layout);
  const cleanCanvas = figure(pictures, data.captions.clean);
  const noisyCanvas = figure(pictures, data.captions.noisy);
  const outputCanvases = data.models.map((title) => figure(pictures, title));

  function showKind() {
    buttons.forEach(({ kind, button }) => button.setAttribute("aria-pressed", kind === state.kind));
    meaning.textContent = data.kinds.find(({ kind }) => kind === state.kind).meaning;
    shown.textContent = state.level.toFixed(2);
  }

  function schedule(inputTime) {
    state.inputTime = inputTime;
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(draw);
  }

  function draw() {
    state.pending = false;
    if (!state.models.length) return;
    const frame = denoiseFrame(state.models, clean, state.kind, state.level, field);
    // Each caption, and a label that says what the picture is, as the server's alt text does.
    const spoiled = `${kindLabel().toLowerCase()} noise at level ${state.level.toFixed(2)}`;
    paintGrey(noisyCanvas, frame.noisy);
    caption(noisyCanvas, `${data.captions.noisy}: ${frame.noisyPsnr.toFixed(1)} dB`);
    describeCanvas(noisyCanvas, `${data.captions.noisy}: the image spoiled by ${spoiled} (PSNR ${frame.noisyPsnr.toFixed(1)} dB)`);
    frame.outputs.forEach((output, index) => {
      const [title, decibels] = [data.models[index], frame.psnrs[index].toFixed(1)];
      paintGrey(outputCanvases[index], output);
      caption(outputCanvases[index], `${title}: ${decibels} dB`);
      describeCanvas(outputCanvases[index], `${title}: its clean-up of the image spoiled by ${spoiled} (PSNR ${decibels} dB)`);
    });
    state.said = `${spoiled}: noisy ${frame.noisyPsnr.toFixed(1)} dB, ${frame.psnrs.map((value, index) => `${data.models[index]} ${value.toFixed(1)} dB`).join(", ")}`;
    announceFrame(root, state.inputTime);
  }

  const kindLabel = () => data.kinds.find(({ kind }) => kind === state.kind).label;

  // When the thumb is let go or a kind clicked: Python hears it, a screen reader the figures.
  function commit() {
    setStateValue("noise", { kind: state.kind, level: state.level });
    requestAnimationFrame(() => say(`Pictures updated: ${state.said}.`));
  }

  showKind();
  return {
    setModels(models) {
      state.models = models;
      paintGrey(cleanCanvas, clean);
      describeCanvas(cleanCanvas, `${data.captions.clean}: the clean image`);
      draw();
    },
  };
}
