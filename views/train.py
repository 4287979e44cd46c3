"""Train your own model and watch it learn; keep it for this session, download it."""

from __future__ import annotations

import threading

import numpy as np
import streamlit as st

from autoencoder.artifact import ModelLoadError, model_from_zip, model_to_zip
from autoencoder.config import Config
from autoencoder.jobs import TrainingJob
from autoencoder.network import Autoencoder
from views import common

MAX_EPOCHS = 30  # about a minute of a small host's time on all 60,000 images
MAX_JOBS = 2  # trainings at once on this server; each is a TensorFlow process
POLL_SECONDS = 1.0
TRAINING_IMAGES = [1_000, 5_000, 20_000, 60_000]
DATASET_LABELS = {"mnist": "MNIST digits", "fashion_mnist": "Fashion-MNIST clothes"}


@st.cache_resource
def _slots() -> tuple[threading.Lock, list[TrainingJob]]:
    """Jobs running on this server, shared by all sessions."""
    return threading.Lock(), []


def train_page() -> None:
    model = common.page_model(announce_outcome=False)  # collects a finished run first
    if model is None:
        return
    st.title("Train your own")
    st.write(
        "Choose the size of the code and how to train, then watch the loss fall. The result "
        "becomes your model on every page, for this session only; others keep the default."
    )
    outcome = st.session_state.pop(common.OUTCOME_KEY, None)
    if outcome is not None:
        kind, message = outcome
        if kind == "success" and "Trained" in message:
            st.progress(1.0, text="Finished")
        getattr(st, kind)(message)

    job: TrainingJob | None = st.session_state.get(common.JOB_KEY)
    # The form stays on the page while training, so its settings survive the run.
    _settings_form(training=job is not None)
    if job is not None:
        watch_training(job)

    own = st.session_state.get(common.OWN_MODEL_KEY)
    if own is not None:
        _your_model(own)
    _upload_model()


def _settings_form(training: bool) -> None:
    defaults = Config()
    with st.form("training_settings"):
        first, second, third = st.columns(3)
        latent_dim = first.slider(
            "Code size (latent units)", 2, 128, defaults.latent_dim, key="train_latent_dim"
        )
        hidden_units = first.select_slider(
            "Hidden layer width", [16, 32, 64, 128, 256], defaults.hidden_units, key="train_hidden"
        )
        epochs = second.slider("Epochs", 1, MAX_EPOCHS, 10, key="train_epochs")
        batch_size = second.select_slider(
            "Batch size", [32, 64, 128, 256, 512], defaults.batch_size, key="train_batch"
        )
        learning_rate = third.select_slider(
            "Learning rate",
            [0.0001, 0.0003, 0.001, 0.003, 0.01],
            defaults.learning_rate,
            key="train_learning_rate",
        )
        dataset = third.radio(
            "Dataset",
            list(DATASET_LABELS),
            format_func=DATASET_LABELS.__getitem__,
            horizontal=True,
            key="train_dataset",
        )
        train_limit = st.select_slider(
            "Training images (fewer trains faster)",
            TRAINING_IMAGES,
            20_000,
            format_func=lambda count: f"{count:,}",
            key="train_images",
        )
        submitted = st.form_submit_button(
            "Start training", type="primary", icon=":material/play_arrow:", disabled=training
        )
    if not submitted:
        return
    config = Config(
        hidden_units=hidden_units,
        latent_dim=latent_dim,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        dataset=dataset,
    )
    lock, running = _slots()
    with lock:
        running[:] = [job for job in running if job.running]
        if len(running) >= MAX_JOBS:
            st.warning(
                f"{MAX_JOBS} models are training on this server already. Try again in a minute."
            )
            return
        job = TrainingJob.start(config, train_limit=None if train_limit >= 60_000 else train_limit)
        running.append(job)
    st.session_state[common.JOB_KEY] = job
    st.rerun()


@st.fragment(run_every=POLL_SECONDS)
def watch_training(job: TrainingJob) -> None:
    """Progress bar, live loss curve and a stop button; reruns alone every second."""
    job.keep_alive()
    epochs = job.epochs()
    total = job.config.epochs
    done = len(epochs)
    status = "Starting TensorFlow ..." if done == 0 else f"Epoch {done} of {total}"
    st.progress(done / total, text=f"{status} · {job.elapsed:.0f} s")
    if epochs:
        _loss_chart(epochs)
    if st.button("Stop, and keep the best model so far", icon=":material/stop:"):
        job.stop()
        st.toast("Stopping after this epoch ...")
    if not job.running:
        st.rerun()  # the whole page: collect the model


def _loss_chart(epochs: list[dict]) -> None:
    import altair as alt
    import pandas as pd

    frame = pd.DataFrame(
        [
            {"epoch": report["epoch"], "loss": value, "curve": curve}
            for report in epochs
            for curve, value in (("train", report["loss"]), ("validation", report["val_loss"]))
        ]
    )
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)  # points, so a single epoch still shows
        .encode(
            x=alt.X("epoch:Q", axis=alt.Axis(format="d", tickMinStep=1), title="epoch"),
            y=alt.Y("loss:Q", title="binary cross-entropy", scale=alt.Scale(zero=False)),
            color=alt.Color("curve:N", title=None),
        )
        .properties(height=260)
    )
    st.altair_chart(chart, width="stretch")


def _your_model(own: Autoencoder) -> None:
    st.subheader("Your model")
    history = own.record.get("history", {})
    if history.get("loss"):
        _loss_chart(
            [
                {"epoch": index + 1, "loss": loss, "val_loss": val_loss}
                for index, (loss, val_loss) in enumerate(
                    zip(history["loss"], history["val_loss"], strict=True)
                )
            ]
        )
    columns = st.columns([1, 1, 2])
    columns[0].download_button(
        "Download it (.zip)",
        data=_zipped(own, own.fingerprint),
        file_name=f"autoencoder-{own.config.dataset}-{own.latent_dim}d.zip",
        mime="application/zip",
        icon=":material/download:",
    )
    if columns[1].button("Go back to the default model", icon=":material/undo:"):
        st.session_state.pop(common.OWN_MODEL_KEY, None)
        st.rerun()
    _compare(own)


@st.cache_data(max_entries=8)
def _zipped(_model: Autoencoder, fingerprint: str) -> bytes:
    return model_to_zip(_model)


def _compare(own: Autoencoder) -> None:
    """Your model and the default, side by side on the same test images."""
    st.subheader("Yours against the default")
    try:
        default = common.default_model()
    except ModelLoadError:
        st.info("The default model is not available to compare with.")
        return
    name = own.config.dataset
    test = common.load_test_images(name)
    if test is None:
        return
    indices = np.random.default_rng(0).choice(len(test), 8, replace=False)
    images = test.images[indices]
    rows = {
        "original": images,
        "default": default.reconstruct(images),
        "yours": own.reconstruct(images),
    }
    st.image(common.tile(np.concatenate(list(rows.values())), len(indices)))
    st.caption("Rows: the original test images, the default model's reconstructions, yours.")
    table = "| | code size | test BCE | MSE | PSNR |\n|---|---:|---:|---:|---:|\n"
    for label, model in (("default", default), ("yours", own)):
        summary = common.summarize_test_images(model, model.fingerprint, name)
        table += (
            f"| {label} | {model.latent_dim} | {summary['val_bce']:.4f} | "
            f"{summary['mse']:.4f} | {summary['psnr']:.1f} dB |\n"
        )
    st.markdown(table)
    st.caption(f"Measured here on all {len(test):,} {DATASET_LABELS[name]} test images.")


def _upload_model() -> None:
    st.subheader("Load a model you downloaded")
    st.file_uploader(
        "A .zip downloaded from this page",
        type=["zip"],
        key="model_upload",
        on_change=_adopt_upload,
    )


def _adopt_upload() -> None:
    """Runs once per new upload (a callback), so going back to the default sticks."""
    upload = st.session_state.get("model_upload")
    if upload is None:
        return
    try:
        model = model_from_zip(upload.getvalue())
    except ModelLoadError as error:
        st.session_state[common.OUTCOME_KEY] = (
            "warning",
            f"That file is not a model of this app: {error}",
        )
        return
    st.session_state[common.OWN_MODEL_KEY] = model
    st.session_state[common.OUTCOME_KEY] = (
        "success",
        "Loaded your model; it is now used on every page.",
    )


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    train_page()
