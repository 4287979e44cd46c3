"""The baseline for app_speed.py: a Streamlit page holding only the canvas."""

from streamlit_drawable_canvas import st_canvas

st_canvas(
    stroke_width=20,
    stroke_color="#FFFFFF",
    background_color="#000000",
    width=280,
    height=280,
    return_image_data=True,
    key="canvas",
)
