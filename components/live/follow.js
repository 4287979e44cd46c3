// A followed link, seen through from the page's first moment (views/live.py follow_links runs
// this before any live view loads). Streamlit reruns the page a widget was made on: a rerun
// asked for in the moment after a link was followed (a live view's report, a control's new
// value sent a few ms late) is merged with the switch by the server, and the visitor lands
// back on the page they were leaving. So:
// - window.autoencoderFollowing is, from such a click, a promise that ends once the link's
//   page is shown and its run has ended (or after 10 s); main.js holds its reports until then;
// - when a run ends and the link's page is not the one shown, the switch was taken back: the
//   link is clicked again for the visitor, at most twice. So too when the link's page is shown
//   empty: a late report of a live view in a fragment (Draw's pad, Denoise's noise) asks for
//   that fragment alone, and Streamlit stops the switch's run for it, then finds no such
//   fragment on the new page.
(() => {
  if ("autoencoderFollowing" in window) return; // a rerun mounts this again
  window.autoencoderFollowing = null;
  const LONGEST_MS = 10_000;
  const UNSEEN_RUN_MS = 2_000; // idle this long with no run seen: the click's run was missed
  const RETRIES = 2;
  const POLL_MS = 50;
  // A run stopped for the next one leaves the app idle for a moment: an outcome is read only
  // once it has been idle this long (the switch may yet be taken back by a run that follows).
  const SETTLED_MS = 250;
  let followed = null; // the last link followed: a second click before the first arrives wins
  let ran = false; // the script's state has changed since that click
  let since = 0; // when that click was (performance.now)

  const app = () => document.querySelector('[data-testid="stApp"]');
  const idle = () => app()?.getAttribute("data-test-script-state") === "notRunning";
  // The sidebar may have drawn its links anew since the click: find the link by its address.
  // A run of the page left, cut short by a fragment's rerun asked for on that page, leaves the
  // link's page empty: no element at all in the main area.
  const drawn = () =>
    document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]') !== null;
  const linkTo = (href) =>
    [...document.querySelectorAll('[data-testid="stSidebarNav"] a')].find((a) => a.href === href);

  function arrived() {
    return new Promise((resolve) => {
      const began = performance.now();
      let retries = 0;
      const watch = new MutationObserver(() => (ran = true));
      if (app()) watch.observe(app(), { attributes: true, attributeFilter: ["data-test-script-state"] });
      let idleSince = null;
      const timer = setInterval(() => {
        const now = performance.now();
        if (now - began > LONGEST_MS) return done();
        if (!idle()) return void (idleSince = null);
        idleSince ??= now;
        if (now - idleSince < SETTLED_MS || (!ran && now - since < UNSEEN_RUN_MS)) return;
        if (location.pathname === followed.pathname && drawn()) return done();
        if (retries === RETRIES) return done();
        retries += 1; // taken back: follow the link again, as the visitor meant to
        idleSince = null;
        linkTo(followed.href)?.click(); // which comes back through the listener below
      }, POLL_MS);
      function done() {
        watch.disconnect();
        clearInterval(timer);
        resolve();
      }
    });
  }

  document.addEventListener(
    "click",
    (event) => {
      const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!link || link.origin !== location.origin || link.target === "_blank") return;
      followed = { href: link.href, pathname: link.pathname };
      ran = false;
      since = performance.now();
      window.autoencoderFollowing ??= arrived().then(() => {
        window.autoencoderFollowing = null;
      });
    },
    true,
  );
})();
