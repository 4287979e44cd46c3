"""components/live/main.js's hold on a followed link, run in node: a view's report made while
the visitor follows a page link waits for that link's run, then goes only if the view's page
is still the one shown (a report from the page being left would rerun it and take the switch
back, even while its element is still in the document)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from views.live import COMPONENT_DIR, SCRIPTS

# One render of a view that needs no model (it reports that the script runs), while a link
# is followed; the URL's path then changes to ``then`` and the link's run ends.
SCENARIO = """
globalThis.window = globalThis;
globalThis.location = { pathname: "/" };
let finish;
window.autoencoderFollowing = new Promise((resolve) => (finish = resolve));
const sent = [];
const view = { isConnected: true };
liveMain({
  data: { fingerprints: [], held: [], active: false },
  parentElement: view,
  setStateValue: (key) => sent.push(key),
});
const before = sent.length;
location.pathname = THEN;
finish();
setTimeout(() => process.stdout.write(JSON.stringify({ before, after: sent.length })), 0);
"""


def follow(then: str) -> dict[str, int]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node on this machine")
    scripts = "\n".join((COMPONENT_DIR / name).read_text(encoding="utf-8") for name in SCRIPTS)
    program = scripts.replace("export default function", "globalThis.liveMain = function")
    program += SCENARIO.replace("THEN", json.dumps(then))
    done = subprocess.run([node, "-e", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_report_from_the_page_being_left_is_dropped():
    assert follow("/inside") == {"before": 0, "after": 0}


def test_a_report_from_the_page_still_shown_goes_once_the_run_ends():
    assert follow("/") == {"before": 0, "after": 1}
