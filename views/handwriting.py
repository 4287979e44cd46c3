"""Your handwriting: a page being built (placeholder; replaced by the page itself)."""

import streamlit as st


def handwriting_page() -> None:
    st.title("Your handwriting")


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    handwriting_page()
