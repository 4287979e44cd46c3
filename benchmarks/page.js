// What the benchmarks ask of a page, in the page: a picture found by its caption, and
// whether the app is idle. Evaluated as a prefix of each script that needs them.
const main = () => document.querySelector('[data-testid="stMain"]') || document;
// The st.image whose caption starts with ``caption`` (its figure, with the <img> inside).
const figure = (caption) => [...main().querySelectorAll('[data-testid="stImage"]')]
  .find((f) => f.innerText.trim().startsWith(caption));
// The rerun has finished and nothing on the page is stale.
const idle = () => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app?.getAttribute("data-test-script-state");
  return (state === null || state === undefined || state === "notRunning")
    && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    && !document.querySelector('[data-stale="true"]');
};
// Every live view (components/live/, keyed "live-...") shows its picture: the component has
// reported and the page has rerun with it active. Each sits in a shadow root of its host.
const liveShown = () => {
  const has = (root) => !!root.querySelector(".live")
    || [...root.querySelectorAll("*")].some((e) => e.shadowRoot && has(e.shadowRoot));
  return [...document.querySelectorAll('[class*="st-key-live-"] .stBidiComponent')].every(has);
};
// Settled, this moment: a run has ended and none is going, no followed link is pending
// (components/live/follow.js) and, if `live`, every live view is shown.
const settledNow = (live) =>
  document.querySelector('[data-testid="stApp"]')?.getAttribute("data-test-script-state") === "notRunning"
  && idle() && !window.autoencoderFollowing && (!live || liveShown());
