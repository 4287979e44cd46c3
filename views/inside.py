"""Inside the network: a page being built (placeholder; replaced by the page itself)."""

import streamlit as st


def inside_page() -> None:
    st.title("Inside the network")


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    inside_page()
