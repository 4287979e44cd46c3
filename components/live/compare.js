// Compare, "My drawing": a pad (pad.js) and up to four models' reconstructions of the
// drawing, each with its error map, BCE and PSNR, redrawn once per animation frame
// while the pen moves. The drawing goes back to Python when a stroke ends.

function createCompare(root, data, setStateValue) {
  const state = { models: [], said: "", drawn: false };
  // The Draw page's drawing, shown until the first stroke here (not again once the pad is cleared).
  const start = data.start ? Float32Array.from(data.start) : null;
  const shown = (image) => {
    if (image) state.drawn = true;
    return image || (state.drawn ? null : start);
  };
  const layout = element(root, "div", "compare");
  const send = sendDrawing(setStateValue);
  const pad = createPad(layout, data, {
    draw: (image, inputTime) => render(shown(image), inputTime),
    commit: (image, strokes) => {
      send(image, strokes);
      say(shown(image) ? `Reconstructions updated: ${state.said}.` : "The pad is empty.");
    },
  });
  const results = element(layout, "div", "results");
  const input = figure(results, data.input_caption, "original");
  const say = liveRegion(layout);
  const rows = data.models.map((title) => {
    const row = element(results, "div", "model");
    element(row, "h4", "title").textContent = title;
    const pictures = element(row, "div", "pair");
    return { title, rebuilt: figure(pictures, `${title}: reconstruction`), error: figure(pictures, `${title}: error map`) };
  });

  function render(image, inputTime) {
    results.hidden = image === null || !state.models.length;
    if (!results.hidden) {
      paintGrey(input, image);
      const said = state.models.map((model, index) => {
        const rebuilt = decode(model, encode(model, image));
        const { title, rebuilt: picture, error } = rows[index];
        const figures = `BCE ${bce(image, rebuilt).toFixed(3)} · ${psnr(image, rebuilt).toFixed(1)} dB`;
        paintGrey(picture, rebuilt);
        caption(picture, `${title}: ${figures}`);
        describeCanvas(picture, `${title}: its reconstruction of your drawing (${figures})`);
        paintError(error, image, rebuilt);
        describeCanvas(error, `${title}: ${describeErrorMap(image, rebuilt, "your drawing")}`);
        return `${title} ${figures}`;
      });
      state.said = said.join("; ");
    }
    announceFrame(root, inputTime);
  }

  return {
    setModels(models) {
      state.models = models;
      pad.redraw();
    },
  };
}
