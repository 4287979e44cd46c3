"""Links that reproduce a view: the URL's text, its parsers, and the model's link across
pages (each page's own choices are tested beside the page)."""

from __future__ import annotations

import pytest

from tests.views.conftest import assert_quiet, open_app, open_link
from views.links import integer, number, one_of, some_of, text

PAGES = [
    "views/draw.py", "views/samples.py", "views/latent.py", "views/denoise.py",
    "views/generate.py", "views/compare.py", "views/detect.py", "views/train.py",
]  # fmt: skip


def test_values_are_written_as_words_numbers_and_lists():
    assert text("By index") == "by-index"
    assert text("Worst of the first model") == "worst-of-the-first-model"
    assert text("conv-32") == "conv-32"
    assert text(7) == "7"
    assert text(0.05 * 7) == "0.35"  # not 0.35000000000000003
    assert text(["dense-32", "your model"]) == "dense-32,your-model"


def refused(parse, texts: tuple[str, ...]) -> list[str]:
    """The texts ``parse`` refuses (with ValueError, which the links catch)."""
    refused = []
    for written in texts:
        try:
            parse(written)
        except ValueError:
            refused.append(written)
    return refused


def test_one_of_accepts_only_the_options():
    parse = one_of(["At random", "By index"])
    assert parse("by-index") == "By index"
    assert one_of(range(10))("7") == 7
    bad = ("By index", "sideways", "", "11")
    assert refused(parse, bad) == list(bad)
    assert refused(one_of(range(10)), ("10", "-1", "07")) == ["10", "-1", "07"]


def test_some_of_accepts_distinct_options_up_to_a_count():
    parse = some_of(["dense-32", "conv-32", "pca-32"], most=2)
    assert parse("pca-32,dense-32") == ["pca-32", "dense-32"]
    assert parse("") == []  # every model removed: the page asks for two
    bad = ("dense-32,dense-32", "dense-32,conv-32,pca-32", "dense-32,nope", "dense-32,")
    assert refused(parse, bad) == list(bad)


def test_integer_and_number_keep_to_their_bounds():
    assert integer(0, 9999)("9999") == 9999
    bad = ("10000", "-1", "1.5", "abc", "")
    assert refused(integer(0, 9999), bad) == list(bad)
    assert number(0.05, 1.0)("0.3") == 0.3
    bad = ("nan", "inf", "-inf", "1.01", "0", "abc")
    assert refused(number(0.05, 1.0), bad) == list(bad)


def test_a_number_moves_onto_the_sliders_steps():
    assert number(0.05, 1.0, step=0.05)("0.37") == 0.35
    assert number(0.05, 1.0, step=0.05)("1") == 1.0
    assert number(0.012, 0.5, step=0.001)("0.1234") == 0.123


def sidebar_model(app) -> str:
    return app.sidebar.selectbox[0].value


def test_a_link_opens_its_model():
    app = open_link("views/samples.py", {"model": "conv-32"})
    assert sidebar_model(app) == "conv-32"
    assert app.query_params["model"] == "conv-32"


@pytest.mark.parametrize("bad", ["nope", "own", "", "conv-32,dense-32"])
def test_a_bad_or_stale_model_falls_back_to_the_default(bad):
    app = open_link("views/samples.py", {"model": bad})
    assert sidebar_model(app) == "dense-32"
    assert "model" not in app.query_params


def test_the_url_follows_the_picked_model():
    app = open_app("views/samples.py")
    assert "model" not in app.query_params
    app.sidebar.selectbox[0].set_value("vae-32").run()
    assert app.query_params["model"] == "vae-32"
    app.sidebar.selectbox[0].set_value("dense-32").run()
    assert "model" not in app.query_params  # the default needs no parameter


@pytest.mark.slow  # a run of every page
def test_the_model_survives_every_page_switch_and_the_pages_open_their_defaults():
    """A browser drops the query string on a page switch: the picker writes the model back."""
    params = {"model": "conv-32", "mode": "by-index", "index": "120", "count": "5"}
    app = open_link("views/samples.py", params)
    for page in [*PAGES, "views/samples.py"]:
        app.query_params.clear()  # as the browser does
        app.switch_page(page).run()
        assert_quiet(app)
        assert sidebar_model(app) == "conv-32", page
        assert app.query_params == {"model": "conv-32"}, page
    assert app.segmented_control(key="sample_mode").value == "At random"


@pytest.mark.slow  # a run of every page
def test_every_page_is_quiet_with_the_other_pages_parameters():
    """AppTest keeps the query string on a page switch: each page meets the others'."""
    params = {
        "model": "conv-32", "mode": "by-index", "index": "120", "count": "5", "class": "3",
        "from": "a-class-average", "inputs": "by-class", "image": "my-drawing", "view": "map",
    }  # fmt: skip
    app = open_link("views/samples.py", params)
    for page in PAGES:
        app.switch_page(page).run()
        assert_quiet(app)
        assert app.query_params["model"] == "conv-32", page


def test_streamlits_own_binding_cannot_write_these_links():
    """Why views/links.py is kept (see its docstring): a bound widget reads the label, not
    the word, and a list as repeated parameters. When this fails, Streamlit can do it."""

    def page():
        import streamlit as st

        modes = ["At random", "By index"]
        mode = st.segmented_control(
            "Pick", modes, default=modes[0], required=True, key="mode", bind="query-params"
        )
        chosen = st.multiselect(
            "Models", ["dense-32", "pca-32"], default=["dense-32"], key="models",
            bind="query-params",
        )  # fmt: skip
        st.write(f"{mode} {','.join(chosen)}")

    from streamlit.testing.v1 import AppTest

    from tests.views.conftest import TIMEOUT

    app = AppTest.from_function(page, default_timeout=TIMEOUT)
    app.query_params.update({"mode": "by-index", "models": "dense-32,pca-32"})
    app.run()
    assert app.markdown[0].value == "At random dense-32"  # neither link was understood
