"""Autoencoder, by hand: the Streamlit entry point (``streamlit run app.py``).

A thin router. Each view is one function in its own file under views/; paths
are resolved from this file, never from the working directory.
"""

import base64
import functools
from pathlib import Path

import streamlit as st
from threadpoolctl import threadpool_limits

from autoencoder import heap
from views import live, runs, sidebar

ROOT = Path(__file__).resolve().parent
VIEWS = ROOT / "views"
# A file served by the app itself: a :material/...: or emoji page icon is fetched from
# a CDN, which fails offline and tells a third party about every visit.
PAGE_ICON = ROOT / "assets" / "icon.png"


@functools.cache
def _page_icon() -> str:
    """The icon as a data URL, read once per process. Given the file, Streamlit decoded,
    re-encoded and stored the PNG on every rerun of every session (py-spy, 60 visitors)."""
    return "data:image/png;base64," + base64.b64encode(PAGE_ICON.read_bytes()).decode("ascii")


@st.cache_resource
def _one_blas_thread() -> None:
    """Once per server: one BLAS thread per forward pass.

    Sessions already run in threads of their own; on a few shared cores,
    OpenBLAS's own threads fight them and a conv reconstruction took 38 ms
    instead of 1 ms (benchmarks/serving.py).
    """
    threadpool_limits(1, user_api="blas")


@st.cache_resource
def _give_freed_memory_back() -> None:
    """Once per server: glibc hands back what visitors' sessions freed (autoencoder/heap.py).
    Untuned, the server stayed 100 MB up after a class had left."""
    heap.tune()


def run() -> None:
    _give_freed_memory_back()
    _one_blas_thread()
    st.set_page_config(page_title="Autoencoder, by hand", page_icon=_page_icon(), layout="wide")
    pages = [
        st.Page(VIEWS / "draw.py", title="Draw", icon=":material/draw:", default=True),
        st.Page(VIEWS / "inside.py", title="Inside the network", icon=":material/layers:"),
        st.Page(VIEWS / "handwriting.py", title="Your handwriting", icon=":material/edit_note:"),
        st.Page(VIEWS / "samples.py", title="Test images", icon=":material/grid_view:"),
        st.Page(VIEWS / "latent.py", title="Explore the code", icon=":material/tune:"),
        st.Page(VIEWS / "denoise.py", title="Denoise", icon=":material/blur_off:"),
        st.Page(VIEWS / "generate.py", title="Generate", icon=":material/auto_awesome:"),
        st.Page(VIEWS / "compare.py", title="Compare", icon=":material/compare:"),
        st.Page(VIEWS / "detect.py", title="Is it a digit?", icon=":material/help:"),
        st.Page(VIEWS / "train.py", title="Train your own", icon=":material/model_training:"),
    ]
    page = st.navigation(pages)
    sidebar.focus_rings()  # before the page, so at the sidebar's first place on every page
    live.follow_links()
    runs.collect_finished_run()  # whatever the page: a finished run's model is used at once
    page.run()


if __name__ == "__main__":
    run()
