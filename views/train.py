"""Train your own model and watch it learn; keep it for this session, download it.

The choices on this page are ``jobs.TrainingLimits``: the server enforces the
same limits when a run starts, so a forged request gets no further than the
widgets would let it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from autoencoder import describe, jobs, keras_file, manifest, pictures, zoo
from autoencoder.artifact import ModelLoadError, model_from_zip, model_to_zip
from autoencoder.budget import BudgetFullError
from autoencoder.config import CUSTOM, DATASET_LABELS, Config
from autoencoder.data import UPLOAD_ADVICE, DatasetFileError, dataset_from_bytes, find_local
from autoencoder.network import Autoencoder
from autoencoder.record import record_of
from views import computations, models, runs, session, sidebar, testset
from views.labels import FAMILIES, NOISES, count
from views.session import Outcome

LIMITS = jobs.TrainingLimits()
POLL_SECONDS = 1.0
POOR_PSNR_DB = 15.0  # below this, reconstructions are grey blobs (the default reaches 20 dB)
DATASET_CHOICES = {**DATASET_LABELS, CUSTOM: "My own file (.npz)"}
SHOWN_IMAGES = 8  # of the visitor's own test images, on this page


def train_page() -> None:
    model = sidebar.chosen_model()  # a finished run was collected first (app.py)
    if model is None:
        return
    st.title("Train your own")
    st.write(
        "Choose a kind of model and how to train it, then watch the loss fall. The result "
        "becomes your model on every page, for this session only; others keep the default."
    )
    runs.show_outcome()

    job = session.training_job()
    # The settings stay on the page while training, so they survive the run.
    config, train_limit = _settings()
    if config is not None and config.dataset == CUSTOM:
        _dataset_upload()
    if config is not None:
        _start_button(config, train_limit, training=job is not None)
    if job is not None:
        watch_training(job)

    own = session.own_model()
    if own is not None:
        _your_model(own)
    _keras_download(model)
    _upload_model()


def _settings() -> tuple[Config | None, int]:
    """The widgets, as a config and a number of training images (None if they clash)."""
    defaults = Config()
    left, middle, right = st.columns(3, gap="medium")
    family = left.radio(
        "Kind of network",
        LIMITS.families,
        format_func=FAMILIES.get,
        horizontal=True,
        key="train_family",
    )
    if family == "conv":
        body = {
            "filters": left.selectbox(
                "Convolution filters",
                LIMITS.filters,
                index=len(LIMITS.filters) - 1,
                format_func=lambda filters: " → ".join(f"{n} filters" for n in filters),
                key="train_filters",
            )
        }
    else:
        body = {
            "hidden_units": left.selectbox(
                "Hidden layers (encoder; the decoder mirrors it)",
                LIMITS.hidden_units,
                index=LIMITS.hidden_units.index(defaults.hidden_units),
                format_func=lambda widths: "784 → " + " → ".join(map(str, widths)) + " → code",
                key="train_hidden",
            )
        }
    low, high = LIMITS.latent_dims
    latent_dim = left.slider(
        "Code size (latent units)", low, high, defaults.latent_dim, key="train_latent_dim"
    )
    variational = left.checkbox(
        "Variational (a VAE)",
        help="The code becomes a distribution, which you can sample to make new images.",
        key="train_variational",
    )
    beta = 1.0
    if variational:
        beta = left.select_slider(
            "β, the weight of the KL term", LIMITS.betas, 1.0, key="train_beta"
        )

    noise = middle.radio(
        "Denoising: corrupt the inputs",
        list(LIMITS.noise_levels),
        format_func=lambda noise: NOISES[noise].training,
        horizontal=True,
        key="train_noise",
    )
    noise_level = 0.0
    if noise != "none":
        levels = LIMITS.noise_levels[noise]
        noise_level = middle.select_slider(
            "Noise: standard deviation" if noise == "gaussian" else "Fraction of pixels masked",
            levels,
            levels[len(levels) // 2],
            key=f"train_noise_level_{noise}",  # one per kind: their levels differ
        )
    epochs = middle.slider("Epochs", 1, LIMITS.max_epochs, 10, key="train_epochs")
    train_limit = middle.select_slider(
        "Training images (fewer trains faster)",
        LIMITS.train_images,
        20_000,
        format_func=lambda count: f"{count:,}",
        key="train_images",
    )

    batch_size = right.select_slider(
        "Batch size", LIMITS.batch_sizes, defaults.batch_size, key="train_batch"
    )
    learning_rate = right.select_slider(
        "Learning rate", LIMITS.learning_rates, defaults.learning_rate, key="train_learning_rate"
    )
    dataset = right.radio(
        "Dataset",
        list(DATASET_CHOICES),
        format_func=DATASET_CHOICES.__getitem__,
        horizontal=True,
        key="train_dataset",
    )
    try:
        config = Config.for_family(
            family,
            **body,
            latent_dim=latent_dim,
            # A VAE's code is a mean and a log-variance: unbounded, so linear.
            **({"code_activation": "linear"} if variational else {}),
            variational=variational,
            beta=beta,
            noise=noise,
            noise_level=noise_level,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            dataset=dataset,
        )
    except ValueError as error:
        st.warning(f"These settings do not make a model: {error}")
        return None, train_limit
    return config, train_limit


def _dataset_upload() -> None:
    """The visitor's own .npz: checked once when given, kept in their session only."""
    st.file_uploader(
        "Your dataset: an .npz in the layout of Keras' mnist.npz",
        type=["npz"],
        key=session.DATASET_UPLOAD_KEY,
        on_change=_adopt_dataset,
        help=f"To make one: {UPLOAD_ADVICE}.",
    )
    problem = session.pop_dataset_problem()
    if problem is not None:
        st.warning(problem)
    own = session.own_dataset()
    if own is None:
        st.caption(f"No file yet. To make one, {UPLOAD_ADVICE}.")
        return
    labels = "with labels" if own.labelled else "without labels"
    st.write(
        f"**{own.label}**: {own.train_images:,} training and {own.test_images:,} test "
        f"images, {labels}. It stays in this session only."
    )
    shown = len(own.sample)
    st.image(
        pictures.tile(own.sample, shown),
        alt=f"The first {shown} test images of your file {own.label}",
    )


def _adopt_dataset() -> None:
    """Runs once per new file (a callback); a bad file leaves the kept one as it was."""
    upload = session.uploaded_dataset_file()
    if upload is None:
        return
    try:
        dataset = dataset_from_bytes(upload.getvalue(), name=CUSTOM)
    except DatasetFileError as error:
        session.set_dataset_problem(f"That file was not taken. {error}")
        return
    sample = dataset.test.images[:SHOWN_IMAGES].copy()
    try:
        session.set_own_dataset(
            session.OwnDataset(
                data=upload.getvalue(),
                label=upload.name[:64],
                train_images=len(dataset.train) if dataset.train is not None else 0,
                test_images=len(dataset.test),
                labelled=dataset.has_labels,
                sample=sample,
            )
        )
    except BudgetFullError as full:
        session.set_dataset_problem(f"That file was not taken. {full}")


def _start_button(config: Config, train_limit: int, training: bool) -> None:
    """Start, or say at once why not: no memory for a run here, or no data."""
    unavailable = None
    own_data = session.own_dataset() if config.dataset == CUSTOM else None
    if jobs.training_slots() == 0:
        unavailable = jobs.unavailable_message()
    elif config.dataset == CUSTOM and own_data is None:
        unavailable = jobs.missing_data_message(CUSTOM)
    elif config.dataset != CUSTOM and find_local(config.dataset) is None:
        unavailable = jobs.missing_data_message(config.dataset)
    clicked = st.button(
        "Start training",
        type="primary",
        icon=":material/play_arrow:",
        disabled=training or unavailable is not None,
        key="train_start",
    )
    if unavailable is not None:
        st.info(unavailable)
    else:
        # A file of one's own may hold fewer images than the slider asks for: it trains on all.
        images = min(train_limit, own_data.train_images) if own_data else train_limit
        _estimate(config, images)
    if not clicked or training:  # one run per session, even if a click was forged
        return
    try:
        # The server checks everything again: limits, memory, data.
        if own_data is not None:
            job = jobs.TrainingJob.start(
                config, train_limit=train_limit, data_bytes=own_data.data, data_label=own_data.label
            )
        else:
            job = jobs.TrainingJob.start(config, train_limit=train_limit)
    except jobs.ServerBusyError as busy:
        st.warning(str(busy))
        return
    except jobs.JobRefusedError as refused:
        st.error(str(refused))
        return
    session.set_training_job(job)
    st.rerun()


def _estimate(config: Config, train_limit: int) -> None:
    """The run's time, scaled from measured runs and zoo models; nothing when none is like it."""
    estimate = jobs.estimate_seconds(
        config, train_limit, jobs.read_zoo_timings(), jobs.measured_runs()
    )
    if estimate is None:
        return
    similar = len(estimate.basis)
    if estimate.on_this_server:
        basis = f"{count(similar, 'similar run')} this server finished"
    else:
        basis = count(similar, "similar zoo model")
    caveat = ""
    if config.batch_size < Config().batch_size and not estimate.on_this_server:
        caveat = (
            f" Batches of {config.batch_size} take longer than the default {Config().batch_size}."
        )
    st.caption(
        f"About {_duration(estimate.seconds)}: {train_limit:,} images, "
        f"{count(config.epochs, 'epoch')}, at the pace measured for {basis}, "
        f"plus ~{jobs.TENSORFLOW_START_SECONDS:.0f} s to start TensorFlow.{caveat} "
        "A run stops by itself after "
        f"{LIMITS.max_seconds / 60:.0f} minutes, keeping its best epoch."
    )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


@st.fragment(run_every=POLL_SECONDS)
def watch_training(job: jobs.TrainingJob) -> None:
    """Progress bar, live loss curve and a stop button; reruns alone every second."""
    job.keep_alive()
    progress = job.progress()
    st.progress(progress.fraction, text=f"{progress.text} · {job.elapsed:.0f} s")
    epochs = job.epochs()
    if epochs:
        _loss_chart(epochs)
    if st.button("Stop, and keep the best model so far", icon=":material/stop:"):
        job.stop()
        st.toast("Stopping after this epoch ...")
    if not job.running:
        st.rerun()  # the whole page: collect the model


LOSS_CURVES = {"train": "loss", "validation": "val_loss"}  # a curve's name: its report key


def _loss_chart(epochs: list[dict]) -> None:
    import altair as alt
    import pandas as pd

    frame = pd.DataFrame(
        [
            {"epoch": report["epoch"], "loss": report[key], "curve": curve}
            for report in epochs
            for curve, key in LOSS_CURVES.items()
        ]
    )
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)  # points, so a single epoch still shows
        .encode(
            x=alt.X("epoch:Q", axis=alt.Axis(format="d", tickMinStep=1), title="epoch"),
            y=alt.Y("loss:Q", title="loss", scale=alt.Scale(zero=False)),
            color=alt.Color("curve:N", title=None),
        )
        .properties(height=260)
    )
    st.altair_chart(chart, width="stretch")
    numbers = [report["epoch"] for report in epochs]
    st.caption(
        describe.curves(
            "Chart of the loss per epoch",
            {
                curve: (numbers, [report[key] for report in epochs])
                for curve, key in LOSS_CURVES.items()
            },
            "epoch {x:g}",
            "",
            decimals=4,
        )
    )


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
    advice = _advice(own)
    if advice:
        st.warning(advice)
    st.info(
        "Your model lives in this session only: reloading or closing the page loses it. "
        "Download it to keep it; you can load it here again later.",
        icon=":material/info:",
    )
    # Side by side while they fit; a button wraps to the next line rather than being cut.
    with st.container(horizontal=True):
        try:
            st.download_button(
                "Download it (.zip)",
                data=_zip_of(own),
                file_name=f"{_download_name(own)}.zip",
                mime="application/zip",
                icon=":material/download:",
            )
        except ValueError as error:  # a record that save_model refuses to write
            st.warning(f"This model cannot be downloaded: {error}")
        if st.button("Go back to the default model", icon=":material/undo:"):
            session.set_own_model(None)
            st.rerun()
    _compare(own)


def _keras_download(model: Autoencoder) -> None:
    """The chosen model (zoo or own) as a ``.keras`` file in a zip with a README and an example.

    A child process makes it (the server never imports TensorFlow), in one of the
    training slots; a zoo model's file is cached on disk for every visitor, a
    visitor's own is made for them alone and kept only in their session.
    """
    st.subheader("Take the chosen model with you: a Keras file")
    st.write(
        f"The model in the sidebar ({model.config.kind}, code {model.latent_dim}) as a "
        "`.keras` file that plain Keras opens with `keras.models.load_model`, its `encoder` "
        "and `decoder` named inside, with a README and an example script, in one zip."
    )
    bundle = session.keras_bundle(model)
    if bundle is None:
        if not st.button("Make the Keras file", icon=":material/build:", key="keras_make"):
            return
        name = _download_name(model)
        with st.spinner("Making the Keras file: TensorFlow starts in a process of its own ..."):
            try:
                bundle = keras_file.keras_bundle_bytes(
                    model, name, cache=models.is_zoo_model(model)
                )
            except keras_file.KerasExportError as error:
                st.warning(str(error))
                return
        session.keep_keras_bundle(model, bundle)
    st.download_button(
        "Download it (.keras, in a zip)",
        data=bundle,
        file_name=f"{_download_name(model)}-keras.zip",
        mime="application/zip",
        icon=":material/download:",
        key="keras_download",
    )


def _download_name(model: Autoencoder) -> str:
    """``conv-32`` for a zoo model, ``autoencoder-dense-mnist-32d`` for a visitor's."""
    if models.is_zoo_model(model):
        return str(model.record.get("name", zoo.DEFAULT_NAME))
    return f"autoencoder-{model.config.kind}-{model.config.dataset}-{model.latent_dim}d"


def _advice(own: Autoencoder) -> str | None:
    """What to change when a model came out poor (grey blobs), from its own record."""
    record = record_of(own)
    psnr = record.get("metrics", {}).get("psnr")
    if not isinstance(psnr, (int, float)) or psnr >= POOR_PSNR_DB:
        return None
    epochs = manifest.epochs_trained(record) or own.config.epochs
    images = record.get("dataset", {}).get("train_images")
    tries = []
    if epochs < 10:
        tries.append("10 or more epochs")
    if isinstance(images, int) and images < 20_000:
        tries.append("20,000 or more images")
    if own.config.learning_rate < 1e-3:
        tries.append("a learning rate of 0.001")
    suggestion = " and ".join(tries) or "more epochs, or a larger code"
    return (
        f"This model still reconstructs poorly (test PSNR {psnr:.1f} dB; the default reaches "
        f"about 20 dB): too few epochs or images. Try {suggestion}."
    )


def _zip_of(own: Autoencoder) -> bytes:
    """The download, made once per model and kept in this session.

    Never from a cache shared between sessions: two models can share a
    fingerprint (same settings and weights) and still differ in their
    config.json, and each visitor must get their own.
    """
    data = session.own_zip(own)
    if data is None:
        data = model_to_zip(own)
        session.keep_own_zip(own, data)
    return data


def _own_test_images(own: Autoencoder) -> None:
    """A model of the visitor's own dataset, on a few of its test images (this session's)."""
    st.subheader("Your model on your own images")
    label = own.record.get("dataset", {}).get("label", "your file")
    kept = session.own_dataset()
    if kept is None or kept.label != label:
        st.info(
            f"Your model learnt {label}, which this session no longer holds: give the file "
            "again above to see it rebuilt. The pages that need the MNIST or Fashion-MNIST "
            "test images say so for this model."
        )
        return
    rebuilt = own.reconstruct(kept.sample)
    errors = np.mean((rebuilt - kept.sample) ** 2, axis=1)
    st.image(
        pictures.tile(np.concatenate([kept.sample, rebuilt]), len(kept.sample)),
        alt=f"{len(kept.sample)} test images of {label} above their reconstructions, "
        f"squared error per pixel {errors.min():.4f} to {errors.max():.4f}",
    )
    st.caption(
        f"Rows: test images of {label}, and your model's reconstructions (squared error per "
        f"pixel {errors.min():.4f} to {errors.max():.4f})."
    )


def _compare(own: Autoencoder) -> None:
    """Your model and the default, side by side on the same test images."""
    if own.config.dataset == CUSTOM:
        _own_test_images(own)
        return
    st.subheader("Yours against the default")
    try:
        default = models.default_model()
    except ModelLoadError:
        st.info("The default model is not available to compare with.")
        return
    name = own.config.dataset
    test = testset.load_test_images(name)
    if test is None:
        return
    indices = np.sort(np.random.default_rng(0).choice(len(test), 8, replace=False))
    images = testset.test_images(test, indices)
    rows = {
        "original": images,
        "default": default.reconstruct(images),
        "yours": own.reconstruct(images),
    }
    errors = {label: float(np.mean((rows[label] - images) ** 2)) for label in ("default", "yours")}
    st.image(
        pictures.tile(np.concatenate(list(rows.values())), len(indices)),
        alt=f"{len(indices)} test images above the default model's reconstructions (mean "
        f"squared error {errors['default']:.4f}) and yours ({errors['yours']:.4f})",
    )
    st.caption("Rows: the original test images, the default model's reconstructions, yours.")
    table = "| | model | code size | test BCE | MSE | PSNR |\n|---|---|---:|---:|---:|---:|\n"
    for label, model in (("default", default), ("yours", own)):
        summary = computations.summarize_test_images(model, name)
        table += (
            f"| {label} | {model.config.kind} | {model.latent_dim} | {summary['val_bce']:.4f} | "
            f"{summary['mse']:.4f} | {summary['psnr']:.1f} dB |\n"
        )
    st.markdown(table)
    st.caption(f"Measured here on all {len(test):,} {DATASET_LABELS[name]} test images.")


def _upload_model() -> None:
    st.subheader("Load a model you downloaded")
    st.file_uploader(
        "A .zip downloaded from this page",
        type=["zip"],
        key=session.MODEL_UPLOAD_KEY,
        on_change=_adopt_upload,
    )


def _adopt_upload() -> None:
    """Runs once per new upload (a callback), so going back to the default sticks."""
    upload = session.uploaded_model_file()
    if upload is None:
        return
    try:
        model = model_from_zip(upload.getvalue())
    except ModelLoadError as error:
        session.set_outcome(Outcome("warning", f"That file is not a model of this app: {error}"))
        return
    try:
        session.set_own_model(model)
    except BudgetFullError as full:
        session.set_outcome(Outcome("warning", str(full)))
        return
    session.set_outcome(Outcome("success", "Loaded your model; it is now used on every page."))


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    train_page()
