// Compare, "My drawing": a pad (pad.js) and up to four models' reconstructions of the
// drawing, each with its error map, BCE and PSNR, redrawn once per animation frame
// while the pen moves. The drawing goes back to Python when a stroke ends.

function createCompare(root, data, setStateValue) {
  const state = { models: [] };
  const layout = element(root, "div", "compare");
  const pad = createPad(layout, data, { draw: render, commit: sendDrawing(setStateValue) });
  const results = element(layout, "div", "results");
  const input = figure(results, data.input_caption, "original");
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
      state.models.forEach((model, index) => {
        const rebuilt = decode(model, encode(model, image));
        const { title, rebuilt: picture, error } = rows[index];
        paintGrey(picture, rebuilt);
        caption(picture, `${title}: BCE ${bce(image, rebuilt).toFixed(3)} · ${psnr(image, rebuilt).toFixed(1)} dB`);
        paintError(error, image, rebuilt);
      });
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
