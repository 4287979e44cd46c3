"""Autoencoder, by hand: the Streamlit entry point (``streamlit run app.py``).

A thin router. Each view is one function in its own file under views/; paths
are resolved from this file, never from the working directory.
"""

from pathlib import Path

import streamlit as st

VIEWS = Path(__file__).resolve().parent / "views"


def run() -> None:
    st.set_page_config(
        page_title="Autoencoder, by hand", page_icon=":material/draw:", layout="wide"
    )
    pages = [
        st.Page(VIEWS / "draw.py", title="Draw", icon=":material/draw:", default=True),
        st.Page(VIEWS / "samples.py", title="Test images", icon=":material/grid_view:"),
        st.Page(VIEWS / "latent.py", title="Explore the code", icon=":material/tune:"),
        st.Page(VIEWS / "train.py", title="Train your own", icon=":material/model_training:"),
    ]
    st.navigation(pages).run()


if __name__ == "__main__":
    run()
