// Is it a digit?, the threshold live: moving it moves the rule on the histograms, the
// point on the ROC curve, the two rates and the drawing's verdict at display rate,
// with no rerun. Python sends what does not move (the histogram's bins, the ROC
// curve, and both rates at every step of the slider, counted from the scores as
// detection.rates does); the threshold goes back when the thumb is let go.

const SVG = "http://www.w3.org/2000/svg";

function svgElement(parent, tag, attributes = {}) {
  const child = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) child.setAttribute(name, value);
  parent.append(child);
  return child;
}

// The rates at `threshold`: those of the slider's step at or below it (the slider moves in steps).
function ratesAt(table, threshold) {
  const index = Math.min(Math.max(Math.round((threshold - table.low) / table.step), 0), table.false_positive.length - 1);
  return { falsePositive: table.false_positive[index], detection: table.detection[index] };
}

function createDetect(root, data, setStateValue) {
  const { rates, histogram, roc, colours } = data;
  const state = { threshold: data.threshold, pending: false, inputTime: 0, said: "" };
  const layout = element(root, "div", "detect");

  const box = element(layout, "label", "slider threshold");
  element(box, "span", "name").textContent = data.threshold_label;
  const shown = element(box, "output", "value");
  const slider = element(box, "input");
  Object.assign(slider, { type: "range", min: rates.low, max: rates.high, step: rates.step });
  slider.value = data.threshold;
  slider.addEventListener("input", (event) => {
    state.threshold = Number(slider.value);
    schedule(event.timeStamp);
  });
  // When the thumb is let go (a key press counts): Python hears it, a screen reader the rates.
  slider.addEventListener("change", () => {
    setStateValue("threshold", state.threshold);
    requestAnimationFrame(() => say(`The ${state.said}.${verdict.hidden ? "" : ` ${verdict.textContent}`}`));
  });
  const say = liveRegion(layout);

  const figures = element(layout, "div", "metrics");
  const metric = (label, value = "") => {
    const cell = element(figures, "div", "metric");
    element(cell, "span", "label").textContent = label;
    const number = element(cell, "span", "number");
    number.textContent = value;
    return number;
  };
  metric(data.auc_label, data.auc.toFixed(4));
  const falsePositive = metric(data.false_positive_label);
  const detected = metric(data.detection_label);
  const verdict = element(layout, "p", "verdict");
  // Not a live region: it changes on every frame; the status below speaks once a move ends.

  const charts = element(layout, "div", "charts");
  const [width, height, pad] = [560, 300, 40];
  const histogramSvg = svgElement(element(charts, "div", "chart histogram"), "svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  const rocSvg = svgElement(element(charts, "div", "chart roc"), "svg", { viewBox: `0 0 ${height} ${height}`, role: "img" });

  // The histogram: a rect per bin and set, x in the error (log or linear), y in the share.
  const edges = histogram.edges;
  const scale = histogram.log ? Math.log : (value) => value;
  const [xLow, xHigh] = [scale(edges[0]), scale(edges[edges.length - 1])];
  const x = (value) => pad + ((scale(Math.min(Math.max(value, edges[0]), edges[edges.length - 1])) - xLow) / (xHigh - xLow)) * (width - 2 * pad);
  const peak = Math.max(...histogram.inside, ...histogram.outside) || 1;
  const y = (share) => height - pad - (share / peak) * (height - 2 * pad);
  svgElement(histogramSvg, "line", { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, stroke: "#888" });
  [["inside", colours.inside], ["outside", colours.outside]].forEach(([set, colour]) => {
    histogram[set].forEach((share, bin) => {
      if (!share) return;
      const [left, right] = [x(edges[bin]), x(edges[bin + 1])];
      svgElement(histogramSvg, "rect", { x: left, width: Math.max(right - left, 0.5), y: y(share), height: height - pad - y(share), fill: colour, "fill-opacity": 0.55 });
    });
  });
  const axisText = (svg, attributes, text) => (svgElement(svg, "text", { "font-size": 11, fill: "#555", ...attributes }).textContent = text);
  axisText(histogramSvg, { x: width / 2, y: height - 8, "text-anchor": "middle" }, data.error_axis);
  axisText(histogramSvg, { x: pad, y: height - pad + 14, "text-anchor": "start" }, edges[0].toFixed(3));
  axisText(histogramSvg, { x: width - pad, y: height - pad + 14, "text-anchor": "end" }, edges[edges.length - 1].toFixed(3));
  data.legend.forEach((label, index) => {
    const colour = index ? colours.outside : colours.inside;
    svgElement(histogramSvg, "rect", { x: pad + index * 200, y: 8, width: 10, height: 10, fill: colour, "fill-opacity": 0.55 });
    axisText(histogramSvg, { x: pad + 14 + index * 200, y: 17 }, label);
  });
  if (data.drawn !== null) {
    const at = x(data.drawn);
    svgElement(histogramSvg, "line", { x1: at, x2: at, y1: pad - 10, y2: height - pad, stroke: colours.mark, "stroke-width": 2, "stroke-dasharray": "4 3" });
    axisText(histogramSvg, { x: at + 4, y: pad + 4, fill: colours.mark }, data.drawn_label);
  }
  const rule = svgElement(histogramSvg, "line", { y1: pad - 10, y2: height - pad, stroke: colours.mark, "stroke-width": 2 });
  const ruleText = svgElement(histogramSvg, "text", { y: pad - 12, "font-size": 11, fill: colours.mark });
  ruleText.textContent = data.threshold_mark;

  // The ROC curve: false positives across, detections up, the chance diagonal dashed.
  const r = (value) => pad + value * (height - 2 * pad);
  svgElement(rocSvg, "rect", { x: pad, y: pad, width: height - 2 * pad, height: height - 2 * pad, fill: "none", stroke: "#ccc" });
  svgElement(rocSvg, "line", { x1: r(0), y1: height - r(0), x2: r(1), y2: height - r(1), stroke: "#9ca3af", "stroke-dasharray": "4 3" });
  const curve = roc.false_positive.map((fp, index) => `${r(fp).toFixed(1)},${(height - r(roc.detection[index])).toFixed(1)}`).join(" ");
  svgElement(rocSvg, "polyline", { points: curve, fill: "none", stroke: colours.inside, "stroke-width": 2 });
  axisText(rocSvg, { x: height / 2, y: height - 8, "text-anchor": "middle" }, data.roc_x);
  axisText(rocSvg, { x: 12, y: height / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${height / 2})` }, data.roc_y);
  axisText(rocSvg, { x: height / 2, y: 20, "text-anchor": "middle" }, `${data.roc_title} ${data.auc.toFixed(4)}`);
  const dot = svgElement(rocSvg, "circle", { r: 6, fill: colours.mark });

  function schedule(inputTime) {
    state.inputTime = inputTime;
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(draw);
  }

  function draw() {
    state.pending = false;
    const t = state.threshold;
    const at = ratesAt(rates, t);
    shown.textContent = t.toFixed(3);
    falsePositive.textContent = `${(100 * at.falsePositive).toFixed(1)}%`;
    detected.textContent = `${(100 * at.detection).toFixed(1)}%`;
    const position = x(t);
    rule.setAttribute("x1", position);
    rule.setAttribute("x2", position);
    ruleText.setAttribute("x", position + 4);
    dot.setAttribute("cx", r(at.falsePositive));
    dot.setAttribute("cy", height - r(at.detection));
    const rates_words = `threshold ${t.toFixed(3)}: ${(100 * at.falsePositive).toFixed(1)}% of the ${data.ours} flagged, ${(100 * at.detection).toFixed(1)}% of the ${data.theirs} caught`;
    state.said = rates_words;
    histogramSvg.setAttribute("aria-label", `${data.histogram_label}; the ${rates_words}`);
    rocSvg.setAttribute("aria-label", `${data.roc_title} ${data.auc.toFixed(4)}; the dot is the ${rates_words}`);
    verdict.hidden = data.drawn === null;
    if (data.drawn !== null) {
      const out = data.drawn >= t; // detection.flagged: at or above the threshold
      const figures = `its error ${data.drawn.toFixed(3)} is ${out ? "at or above" : "below"} the threshold ${t.toFixed(3)}, and higher than that of ${Math.round(100 * data.drawn_share)}% of the test digits.`;
      verdict.className = `verdict ${out ? "out" : "in"}`;
      verdict.textContent = `${out ? data.verdict_out : data.verdict_in} The model says so because ${figures}`;
    }
    announceFrame(root, state.inputTime);
  }

  draw();
  return { setModel() {} };
}
