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
const CREATE = { explore: createExplore, draw: createDraw, layers: createLayers };

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  if (data.payload && !MODELS.has(data.payload.fingerprint)) {
    MODELS.set(data.payload.fingerprint, loadModel(data.payload));
  }
  const held = [...MODELS.keys()].sort();
  if (held.join() !== [...data.held].sort().join()) setStateValue("held", held);

  const model = MODELS.get(data.fingerprint);
  let shown = VIEWS.get(parentElement);
  if (!data.active || !model) {
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
  shown.view.setModel(model);
}
