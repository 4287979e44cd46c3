"""The sidebar every page shows: the model picker, the chosen model's card, a run's progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from autoencoder import manifest
from autoencoder.errors import AutoencoderError
from autoencoder.network import Autoencoder
from views import labels, models, session

if TYPE_CHECKING:  # a job exists only once a run was started (views/train.py imports jobs)
    from autoencoder.jobs import TrainingJob


# Focus that shows (WCAG 2.4.7), on every page: Streamlit marks a focused page link only by
# a faint grey background, and keeps a picture's full-screen button invisible (opacity 0)
# while Tab is on it. Rings in the theme's primary colour, drawn inside so nothing clips them.
FOCUS_RING = """<style>
[data-testid="stSidebarNav"] a:focus-visible,
[data-testid="stElementToolbar"] button:focus-visible {
  outline: 2px solid #4f46e5; outline-offset: -2px;
}
[data-testid="stElementToolbar"]:focus-within { opacity: 1; }
</style>"""


def focus_rings() -> None:
    """The rings' style, first in the sidebar on every page (app.py calls it before the page).

    Not ``st.html``: a style-only ``st.html`` goes to the event container, which each rerun
    empties until the script reaches it again, so a ring vanished while the page reran. A
    markdown element at one place keeps its style until the rerun replaces it in place.
    """
    st.sidebar.markdown(FOCUS_RING, unsafe_allow_html=True)


def chosen_model() -> Autoencoder | None:
    """The model the sidebar's picker names (a zoo model or this session's own), shown in
    the sidebar; None once an error is on screen.

    The picker stays usable after an error, so the visitor can always go back
    to the default.
    """
    own = session.own_model()
    with st.sidebar:
        choice = models.picker(has_own=own is not None)
    if choice == models.OWN and own is not None:
        model = own
    else:
        try:
            model = models.zoo_model(choice)
        except (KeyError, AutoencoderError) as error:
            st.error(
                f"The model {choice} could not be loaded ({error}). Choose another in the "
                "sidebar. The default model is restored from the repository's `assets/model/`, "
                "or retrained with `python -m autoencoder train --out assets/model`."
            )
            return None
    _card(model)
    return model


def _card(model: Autoencoder) -> None:
    """Which model is loaded: its settings and its test metrics, from its config."""
    record = model.record
    scores = record.get("metrics", {})
    config = model.config
    with st.sidebar:
        if session.is_own(model):
            st.caption("Your own model (this session only)")
        else:
            description = models.manifest().get(session.model_choice() or "", {}).get("description")
            st.caption(description or "The shipped default model: the seed's network")
        st.markdown(
            f"{config.describe()}  \n"
            f"{record.get('dataset', {}).get('name', config.dataset)}, "
            f"{labels.count(manifest.epochs_trained(record) or config.epochs, 'epoch')}, "
            f"batch {config.batch_size}, learning rate {config.learning_rate:g}"
            + (f" ({config.schedule} decay)" if config.schedule != "constant" else "")
        )
        if scores:
            st.markdown(
                f"| test set | |\n|---|---|\n"
                f"| BCE | {scores['val_bce']:.4f} |\n"
                f"| MSE | {scores['mse']:.4f} |\n"
                f"| PSNR | {scores['psnr']:.1f} dB |"
            )
        else:
            st.caption("No test metrics recorded for this model.")
        job = session.training_job()
        if job is not None:
            _training_status(job)


@st.fragment(run_every=1)
def _training_status(job: TrainingJob) -> None:
    """While a run trains, on every page: its epoch, and a heartbeat that keeps it going.

    The run stops by itself once nobody touches the heartbeat (the visitor left).
    """
    if not job.running:
        st.rerun()  # the whole page, which collects the model
    job.keep_alive()
    progress = job.progress()  # the same fraction and words as the Train page's bar
    st.caption(f"Training your model: {progress.text} ({progress.fraction:.0%})")
