// In every page: when the armed gesture's input event came, when the app was last busy and
// last became idle, when each awaited result was first seen; ``done`` once all results are
// in and nothing moved for QUIET ms.
// After page.js, whose main(), figure(caption) and idle() it uses (views_latency.py).
(() => {
  const QUIET = 300;
  const STALL = 8000;  // idle this long after a rerun with a result still missing: lost
  const B = (window.bench = { armed: false, inputAt: 0, idle: false, idleAt: 0, busyAt: 0,
                              targets: [], rerun: false, stalled: false });
  const now = () => performance.now();
  const image = (t) => (t.caption !== undefined ? figure(t.caption)
    : main().querySelectorAll('[data-testid="stImage"]')[t.nth])?.querySelector("img") || null;
  const chart = (t) => main().querySelectorAll('[data-testid="stVegaLiteChart"]')[t.index];
  const text = (t) => document.querySelector(t.selector)?.innerText ?? null;
  const shown = (t) => {
    if (t.kind === "image") {
      const img = image(t);
      return !!img && img.getAttribute("src") !== t.base && img.complete && img.naturalWidth > 0;
    }
    if (t.kind === "gone") return !figure(t.caption);
    if (t.kind === "text") return text(t) !== t.base;
    return false;
  };
  // A chart's last redraw: its SVG's mutations, or drawing calls on its canvas.
  const drawnAt = (el) => [...el.querySelectorAll("canvas")]
    .reduce((at, canvas) => Math.max(at, canvas.drawnAt || 0), el.changedAt || 0);
  const check = () => {
    const at = now();
    const quiet = idle();
    if (!quiet) B.busyAt = at;
    else if (!B.idle) B.idleAt = at;
    B.idle = quiet;
    if (!B.inputAt) return;
    for (const t of B.targets) {
      if (t.kind === "chart") continue;
      if (!shown(t)) t.at = 0;
      else if (!t.at) t.at = at;
    }
  };
  new MutationObserver((records) => {
    const at = now();
    for (const record of records) {
      const node = record.target.nodeType === 1 ? record.target : record.target.parentElement;
      const el = node?.closest?.('[data-testid="stVegaLiteChart"]');
      if (el) el.changedAt = at;
    }
    check();
  }).observe(document, { subtree: true, childList: true, attributes: true,
                         characterData: true });
  document.addEventListener("load", check, true);  // an image's pixels arrived
  for (const type of ["keydown", "pointerdown", "mousedown"]) {
    window.addEventListener(type, (event) => {
      if (B.armed && event.isTrusted) [B.armed, B.inputAt] = [false, now()];
    }, true);
  }
  // When the rerun request left (the first message to the server after the input event),
  // when the server's last message came in, and the browser's long tasks (> 50 ms) since.
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (...args) {
    if (B.inputAt && !B.sentAt) B.sentAt = now();
    if (!this.watched) {
      this.watched = true;
      this.addEventListener("message", () => { if (B.sentAt) B.receivedAt = now(); });
    }
    return send.apply(this, args);
  };
  B.tasks = [];
  new PerformanceObserver((list) => B.tasks.push(...list.getEntries()))
    .observe({ type: "longtask" });
  const context = CanvasRenderingContext2D.prototype;
  for (const name of ["save", "restore", "clearRect"]) {
    const real = context[name];
    context[name] = function (...args) {
      if (this.canvas) this.canvas.drawnAt = performance.now();
      return real.apply(this, args);
    };
  }
  B.arm = (targets, rerun) => {
    B.targets = targets.map((t) => ({ ...t, at: 0 }));
    for (const t of B.targets) {
      if (t.kind === "image") t.base = image(t)?.getAttribute("src") ?? null;
      if (t.kind === "text") t.base = text(t);
    }
    [B.rerun, B.inputAt, B.sentAt, B.receivedAt] = [rerun, 0, 0, 0];
    [B.tasks, B.stalled, B.armed] = [[], false, true];
  };
  // The time each result was shown, or 0 while one is not.
  const ends = () => B.targets.map((t) => {
    if (t.kind !== "chart") return t.at;
    const el = chart(t);
    const at = el ? drawnAt(el) : 0;
    return at > B.inputAt ? at : 0;
  });
  B.done = () => {
    if (!B.inputAt || !idle()) return false;
    const times = ends();
    if (times.some((at) => !at)) {
      // The app reran and went idle and a result never came, or it never reran: lost.
      const reran = B.busyAt > B.inputAt;
      B.stalled = reran ? now() - B.idleAt > STALL : now() - B.inputAt > STALL;
      return B.stalled;
    }
    const waited = now() - B.inputAt;
    if (B.rerun && B.busyAt < B.inputAt && waited < 3000) return false;  // not started yet
    return now() - Math.max(B.busyAt, B.idleAt, ...times) >= QUIET;
  };
  // Input -> shown; input -> request sent; request -> the server's last message (0 if
  // none seen); the browser's long tasks in between (ms).
  B.latency = () => {
    const end = Math.max(B.idleAt, ...ends());
    const sent = B.sentAt ? B.sentAt - B.inputAt : 0;
    const received = B.receivedAt > B.sentAt ? B.receivedAt - B.sentAt : 0;
    const tasks = B.tasks.filter((task) => task.startTime >= B.inputAt && task.startTime < end)
      .reduce((sum, task) => sum + task.duration, 0);
    return [end - B.inputAt, sent, received, tasks];
  };
})();
