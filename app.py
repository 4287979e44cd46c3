"""Placeholder until the web app lands."""

import streamlit as st

st.title("Autoencoder, by hand")
