// A followed link, noted from the page's first moment (views/live.py follow_links runs this
// before any live view loads): a live view's report reruns the page it was made on, so one
// made after the visitor followed a link, before the server's answer came back, would take
// that page switch back. window.autoencoderFollowing is, from such a click, a promise that
// ends with the run the link started (or after 10 s, for a link that starts none); main.js
// holds its reports until then.
(() => {
  if ("autoencoderFollowing" in window) return; // a rerun mounts this again
  window.autoencoderFollowing = null;
  const LONGEST_MS = 10_000;

  function runEnded() {
    const app = document.querySelector('[data-testid="stApp"]');
    return new Promise((resolve) => {
      if (!app) return resolve();
      let ran = false;
      const watch = new MutationObserver(() => {
        if (app.getAttribute("data-test-script-state") !== "notRunning") ran = true;
        else if (ran) done();
      });
      const timer = setTimeout(done, LONGEST_MS);
      function done() {
        watch.disconnect();
        clearTimeout(timer);
        resolve();
      }
      watch.observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
    });
  }

  document.addEventListener(
    "click",
    (event) => {
      const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!link || link.origin !== location.origin || link.target === "_blank") return;
      window.autoencoderFollowing ??= runEnded().then(() => {
        window.autoencoderFollowing = null;
      });
    },
    true,
  );
})();
