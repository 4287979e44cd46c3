"""The views' cache policy: caches that are bounded and keep each visitor's results to
their own session."""

from __future__ import annotations

import ast
import inspect
import itertools

import pytest
from streamlit.runtime.caching.cache_utils import CachedFunc
from streamlit.testing.v1.local_script_runner import LocalScriptRunner

from autoencoder import latent, metrics, zoo
from autoencoder.artifact import load_model
from autoencoder.network import Autoencoder
from tests.conftest import ROOT
from tests.views.conftest import open_app
from views import caching, computations, models, samples


def cached_functions(module) -> dict[str, object]:
    """Every Streamlit-cached function of ``module``, by name: plain ones and both
    caches of each ``by_model`` function."""
    found = {}
    for name, value in vars(module).items():
        if isinstance(value, CachedFunc):
            found[name] = value
        for index, cache in enumerate(getattr(value, "caches", ())):
            found[f"{name}[{'shared' if index == 0 else 'session'}]"] = cache
    return found


def test_every_cache_that_takes_input_is_bounded():
    """A cache without max_entries grows with every model and dataset anyone shows it."""
    functions = {**cached_functions(computations), **cached_functions(samples)}
    assert "image_errors[session]" in functions and "_grid_picture[shared]" in functions
    for name, function in functions.items():
        if not inspect.signature(function._info.func).parameters:
            continue  # one entry at most
        assert function._info.max_entries is not None, f"{name} keeps every entry"
        if name.endswith("]"):  # results about a model: bounded in bytes too
            assert function._info.max_size_bytes is not None, f"{name} has no byte limit"


def test_no_cache_decorator_in_the_views_lacks_max_entries():
    """The same rule for every page, read from the source (some pages need a server to import)."""
    for path in (ROOT / "views").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef) or not node.args.args:
                continue
            for decorator in node.decorator_list:
                call = decorator if isinstance(decorator, ast.Call) else None
                name = ast.unparse(call.func if call else decorator)
                if name.startswith("st.cache"):  # a bare @st.cache_data has no bound at all
                    keywords = {keyword.arg for keyword in call.keywords} if call else set()
                    assert "max_entries" in keywords, f"{path.name}: {node.name} is unbounded"


@pytest.fixture
def separate_sessions(monkeypatch):
    """Give each AppTest a session of its own, as each browser tab has one.

    (AppTest runs every app under one session id, so session-scoped caches
    would be shared between them.)
    """
    original = LocalScriptRunner.__init__
    sessions: dict[int, tuple[object, str]] = {}  # holds the states, so no id is reused

    def init(self, script_path, session_state, *args, **kwargs):
        original(self, script_path, session_state, *args, **kwargs)
        held = sessions.setdefault(
            id(session_state), (session_state, f"session-{next(SESSION_NUMBERS)}")
        )
        self._session_id = held[1]

    monkeypatch.setattr(LocalScriptRunner, "__init__", init)


SESSION_NUMBERS = itertools.count()


def counted(monkeypatch, module, name: str) -> list[None]:
    """Count the calls of ``module.name``: each is one cache miss of a cached computation."""
    calls: list[None] = []
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(None)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_a_visitors_model_results_stay_in_their_session(separate_sessions, monkeypatch):
    default = load_model()
    weights = dict(default.weights)
    weights["latent.bias"] = weights["latent.bias"] + 0.5
    uploaded = Autoencoder(config=default.config, weights=weights, record=default.record)
    same_file = Autoencoder(config=default.config, weights=weights, record=default.record)
    assert same_file.fingerprint == uploaded.fingerprint
    encodings = counted(monkeypatch, latent, "statistics")  # code_summary's misses
    scorings = counted(monkeypatch, metrics, "score")  # image_errors' misses

    visitor = open_app("views/latent.py", own_model=uploaded)
    visitor.switch_page("views/samples.py").run()
    visitor.run()
    assert not visitor.exception
    assert (len(encodings), len(scorings)) == (1, 1)  # cached in the visitor's session

    # Another visitor uploads the very same file: nothing of the first is served to them.
    other = open_app("views/latent.py", own_model=same_file)
    other.switch_page("views/samples.py").run()
    assert not other.exception
    assert (len(encodings), len(scorings)) == (2, 2)

    # The shipped model's results, though, are computed once for everyone.
    for _ in range(2):
        assert not open_app("views/samples.py").exception
    assert len(scorings) == 3


def test_only_the_apps_own_copies_of_models_are_shared():
    assert caching.is_shipped(models.default_model())
    assert not caching.is_shipped(load_model())  # the same file, loaded again: a visitor's
    name = next(iter(models.manifest()), None)
    if name is not None:  # the zoo is built
        assert caching.is_shipped(models.zoo_model(name))
        assert not caching.is_shipped(zoo.load(name))
