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
