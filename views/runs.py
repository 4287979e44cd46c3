"""A visitor's training run across pages: collected when it ends, its outcome said once."""

from __future__ import annotations

import streamlit as st

from autoencoder.artifact import ModelLoadError
from autoencoder.budget import BudgetFullError
from views import session
from views.session import Outcome


def collect_finished_run() -> None:
    """If this session's run has ended, adopt its model or keep why it failed.

    Called first on every run of the app, whatever the page, so a finished
    model is used at once.
    """
    job = session.training_job()
    if job is None or job.running:
        return
    session.set_training_job(None)
    try:
        if not job.succeeded:
            session.set_outcome(Outcome("error", f"Training failed: {job.error()}"))
            return
        model = job.result()
        try:
            session.set_own_model(model)
            session.taught(job, model)
        except BudgetFullError as full:
            session.set_outcome(Outcome("error", f"Your model trained, but {_lowered(full)}"))
            return
        record = model.record
        stopped = " (stopped early; kept the best epoch)" if record.get("stopped_early") else ""
        session.set_outcome(
            Outcome(
                "success",
                f"Trained in {job.elapsed:.0f} s{stopped}: test BCE "
                f"{record['metrics']['val_bce']:.4f}. It is now your model on every page.",
                trained=True,
            )
        )
    except ModelLoadError as error:
        session.set_outcome(Outcome("error", f"The trained model could not be read: {error}"))
    finally:
        job.cleanup()


def _lowered(error: Exception) -> str:
    text = str(error)
    return text[:1].lower() + text[1:]


def toast_outcome() -> None:
    """A page other than Train's: how the last run ended, as a toast, once."""
    outcome = session.pop_outcome()
    if outcome is not None:
        st.toast(outcome.message)


def show_outcome() -> None:
    """The Train page: how the last run or upload ended, in full, once."""
    outcome = session.pop_outcome()
    if outcome is None:
        return
    if outcome.trained:
        st.progress(1.0, text="Finished")
    {"success": st.success, "warning": st.warning, "error": st.error}[outcome.kind](outcome.message)
