// The "autoencoder_live" Streamlit component (views/live.py): the entry point.
//
// Streamlit calls the default export on every render whose data changed, with
// the same parentElement while the element lives; the module itself lives as
// long as the page. So models are kept here, by fingerprint: Python sends a
// model's weights only until this page reports holding them ("held"), and sends
// `active` once any report came back, i.e. once this script is known to run. Until
// then the view stays empty and the page shows its server-rendered version.

const MODELS = new Map(); // fingerprint -> loaded model
const VIEWS = new WeakMap(); // parentElement -> { spec, view }
const CREATE = {
  explore: createExplore,
  draw: createDraw,
  layers: createLayers,
  denoise: createDenoise,
  map: createMap,
  interpolation: createInterpolation,
  detect: createDetect,
  compare: createCompare,
};
// Reported by a view that needs no model (the detector's threshold), so that Python
// learns the script runs there too; never a model's fingerprint.
const RUNS = "script-runs";
const MARKS = new Set();
const HELD_BACK = new Map(); // parentElement -> its latest report, while a link is followed
const PAGE_OF = new WeakMap(); // parentElement -> the page (URL path) it was last drawn on

// Sent now, or once a followed link's run has ended (follow.js) if this view is still on
// its page: a report made in between would rerun the page the visitor is leaving. "Still
// on its page" is the URL's path, not the element's presence: when the new page's run ends
// the old page's elements may still be in the document (stale) for a moment.
function report(element, send) {
  const following = window.autoencoderFollowing;
  if (!following) return send();
  if (!HELD_BACK.size) {
    following.then(() => {
      for (const [waiting, latest] of HELD_BACK) {
        if (waiting.isConnected && PAGE_OF.get(waiting) === location.pathname) latest();
      }
      HELD_BACK.clear();
    });
  }
  HELD_BACK.set(element, send);
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  // Each render, so an element Streamlit keeps for the next page belongs to that page.
  PAGE_OF.set(parentElement, location.pathname);
  // One model's payload (data.payload), or several views' models (data.payloads).
  for (const payload of [data.payload, ...(data.payloads || [])]) {
    if (payload && !MODELS.has(payload.fingerprint)) MODELS.set(payload.fingerprint, loadModel(payload));
  }
  const wanted = data.fingerprints || [data.fingerprint];
  if (!wanted.length) MARKS.add(RUNS);
  const held = [...MODELS.keys(), ...MARKS].sort();
  if (held.join() !== [...data.held].sort().join()) {
    report(parentElement, () => setStateValue("held", held));
  }

  const models = wanted.map((fingerprint) => MODELS.get(fingerprint));
  const model = models[0];
  let shown = VIEWS.get(parentElement);
  if (!data.active || models.some((one) => !one)) {
    if (shown) shown.root.remove();
    VIEWS.delete(parentElement);
    return;
  }
  if (!shown || shown.spec !== data.spec) {
    if (shown) shown.root.remove();
    const root = document.createElement("div");
    root.className = "live";
    parentElement.append(root);
    shown = { spec: data.spec, root, view: CREATE[data.view](root, data, setStateValue) };
    VIEWS.set(parentElement, shown);
  }
  if (shown.view.setModels) shown.view.setModels(models);
  else shown.view.setModel(model);
}
