"""Your handwriting: write digits when asked, see the model's error on each, teach it your hand."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from autoencoder import handwriting, jobs, pictures
from autoencoder.handwriting import MAX_DIGITS, MIN_PER_DIGIT
from autoencoder.network import Autoencoder
from autoencoder.preprocess import ImageError, canvas_to_ink, to_mnist
from views import canvas, computations, runs, session, sidebar, testset
from views.labels import count
from views.session import Teaching, Written

CANVAS_SIDE = 280  # as the Draw page's: 10x the model's 28 px
STROKE_WIDTH = 20  # the Draw page's "Medium" brush
POLL_SECONDS = 1.0
CANVAS_KEY = session.HANDWRITING_CANVAS_KEY  # bumped: the canvas starts afresh


def handwriting_page() -> None:
    runs.toast_outcome()
    model = sidebar.chosen_model()
    if model is None:
        return
    st.title("Your handwriting")
    st.write(
        "Write the digits you are asked for, one at a time: at least "
        f"{MIN_PER_DIGIT} of each, up to {MAX_DIGITS} in all. See how well the model rebuilds "
        "your hand, then teach it your handwriting. Your digits stay in this session only."
    )
    if model.config.dataset != "mnist":
        st.info(
            "This model learnt something other than MNIST digits: choose a digit model in the "
            "sidebar to try it on your handwriting."
        )
        return
    written = session.handwriting()
    left, right = st.columns([1, 1.6], gap="medium")
    with left:
        _canvas(written)
    with right:
        if written:
            _errors(model, written)
            _corrections(written)
    _teach(model, session.handwriting())
    _before_after(session.teaching())


def _canvas(written: tuple[Written, ...]) -> None:
    """Ask for the next digit (or the one being written again) and keep what is drawn."""
    redo = session.redo_index()
    if redo is not None and redo >= len(written):
        redo = None
        session.set_redo_index(None)
    digit = (
        written[redo].digit
        if redo is not None
        else handwriting.next_prompt([item.digit for item in written])
    )
    if digit is None:
        st.success(f"That is {MAX_DIGITS} digits, all this page keeps; redo or delete any.")
        return
    again = f" again (#{redo + 1})" if redo is not None else ""
    st.subheader(f"Draw a {digit}{again}")
    canvas.trim_toolbar()
    generation = session.generation(CANVAS_KEY)
    result = st_canvas(
        stroke_width=STROKE_WIDTH,
        stroke_color="#FFFFFF",
        background_color="#000000",
        width=CANVAS_SIDE,
        height=CANVAS_SIDE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"handwriting_canvas_{generation}",
    )
    objects = (result.json_data or {}).get("objects") or []
    image = result.image_data if objects else None
    with st.container(horizontal=True):
        kept = st.button(
            f"Keep this {digit}", type="primary", disabled=image is None, key="handwriting_keep"
        )
        if st.button("Clear", icon=":material/delete:", key="handwriting_clear"):
            session.bump_generation(CANVAS_KEY)
            st.rerun()
    if not kept or image is None:
        return
    try:
        drawn = to_mnist(canvas_to_ink(image))
    except ImageError as error:
        st.warning(str(error))
        return
    _keep(Written(digit=digit, image=drawn), redo)
    st.rerun()


def _keep(item: Written, redo: int | None = None) -> None:
    """Add a digit (or put it in place of #``redo``), and give the canvas a fresh page."""
    written = list(session.handwriting())
    if redo is not None:
        written[redo] = item
    elif len(written) < MAX_DIGITS:
        written.append(item)
    session.set_handwriting(tuple(written))
    session.set_redo_index(None)
    session.bump_generation(CANVAS_KEY)


def _errors(model: Autoencoder, written: tuple[Written, ...]) -> None:
    """Each digit rebuilt with its error, beside the test set's typical error; the worst."""
    images = np.stack([item.image for item in written]).reshape(-1, 784)
    rebuilt = model.reconstruct(images)
    errors = np.mean((rebuilt - images) ** 2, axis=1)
    typical = _typical_test_error(model)
    st.subheader(f"Your {count(len(written), 'digit')}, rebuilt")
    labels = ", ".join(
        f"#{n + 1} a {item.digit} ({error:.4f})"
        for n, (item, error) in enumerate(zip(written, errors, strict=True))
    )
    st.image(
        pictures.tile(np.concatenate([images, rebuilt]), len(written)),
        alt=f"Your digits above the model's reconstructions, with their errors: {labels}",
    )
    versus = f" The MNIST test digits' typical error is {typical:.4f}." if typical else ""
    st.caption(
        "Top row: your digits; bottom row: what the model rebuilt. Error: mean squared "
        f"error per pixel, yours {errors.min():.4f} to {errors.max():.4f}.{versus}"
    )
    worst = int(np.argmax(errors))
    left, right = st.columns([1, 3], vertical_alignment="center")
    left.image(
        pictures.tile(np.stack([images[worst], rebuilt[worst]]), 2),
        alt=f"Your worst: your {written[worst].digit} (#{worst + 1}), rebuilt with error "
        f"{errors[worst]:.4f}",
    )
    times = f", {errors[worst] / typical:.1f} times the typical test digit's" if typical else ""
    right.markdown(
        f"Your worst is **#{worst + 1}, a {written[worst].digit}**: error "
        f"**{errors[worst]:.4f}**{times}."
    )


def _typical_test_error(model: Autoencoder) -> float | None:
    """The median error of the MNIST test digits (or of the sample the lane allows)."""
    if testset.load_test_images("mnist") is None:
        return None
    return float(np.median(computations.image_errors(model, "mnist").mse))


def _corrections(written: tuple[Written, ...]) -> None:
    """Pick one of them to write again or to delete."""
    choice = st.selectbox(
        "Correct one",
        range(len(written)),
        format_func=lambda n: f"#{n + 1}: a {written[n].digit}",
        key="handwriting_pick",
    )
    with st.container(horizontal=True):
        if st.button("Redo it", icon=":material/edit:", key="handwriting_redo"):
            session.set_redo_index(choice)
            session.bump_generation(CANVAS_KEY)
            st.rerun()
        if st.button("Delete it", icon=":material/delete:", key="handwriting_delete"):
            session.set_handwriting(written[:choice] + written[choice + 1 :])
            session.set_redo_index(None)
            st.rerun()


def _teach(model: Autoencoder, written: tuple[Written, ...]) -> None:
    st.subheader("Teach it my handwriting")
    labels = [item.digit for item in written]
    short = handwriting.missing(labels)
    job = session.training_job()
    unavailable = None
    if model.config.family == "pca":
        unavailable = (
            "A PCA model is computed, not trained: choose a dense or convolutional model in "
            "the sidebar to teach it your handwriting."
        )
    elif short:
        wanted = ", ".join(f"{n} more {digit}" for digit, n in short.items())
        unavailable = f"To teach it, write {MIN_PER_DIGIT} of each digit first: still {wanted}."
    elif jobs.training_slots() == 0:
        unavailable = jobs.unavailable_message()
    st.write(
        f"The model trains for {handwriting.EPOCHS} epochs on your digits mixed with "
        f"{handwriting.MIXED_MNIST:,} MNIST training images (so it does not forget them), "
        "starting from its own weights. The last of each digit you wrote is held out: it "
        "is not trained on, and says what the model learnt of your hand."
    )
    clicked = st.button(
        "Teach it my handwriting",
        type="primary",
        icon=":material/school:",
        disabled=unavailable is not None or job is not None,
        key="handwriting_teach",
    )
    if unavailable is not None:
        st.info(unavailable)
    if job is not None:
        kept = session.teaching()
        if kept is not None and kept.job is job:
            _watch(job)
        else:
            st.info("A model is training for you on the Train page; teach it once that ends.")
        return
    if not clicked or unavailable is not None:
        return
    held = handwriting.held_out(labels)
    trained = handwriting.trained_on(labels)
    digits = handwriting.digits_npz(
        np.stack([written[i].image for i in trained]), [labels[i] for i in trained]
    )
    try:
        job = jobs.TrainingJob.finetune(model, digits)
    except jobs.JobRefusedError as refused:
        st.warning(str(refused))
        return
    session.set_training_job(job)
    session.set_teaching(
        Teaching(job=job, before=model, written=written, held=tuple(int(i) for i in held))
    )
    st.rerun()


@st.fragment(run_every=POLL_SECONDS)
def _watch(job: jobs.TrainingJob) -> None:
    job.keep_alive()
    progress = job.progress()
    st.progress(progress.fraction, text=f"Learning your hand: {progress.text}")
    if not job.running:
        st.rerun()  # the whole page: the run is collected and compared


def _before_after(teaching: Teaching | None) -> None:
    """The held-out digits and the MNIST test set, before the fine-tune and after."""
    if teaching is None:
        return
    figures = teaching.figures
    if figures is None:
        if teaching.before is None or teaching.after is None:
            return  # still training
        before, after = teaching.before, teaching.after
        held = np.stack([teaching.written[i].image for i in teaching.held])
        mnist = None
        if testset.load_test_images("mnist") is not None:
            first, second = (
                computations.summarize_test_images(model, "mnist")["mse"]
                for model in (before, after)
            )
            mnist = (first, second)
        figures = handwriting.before_after(before, after, held, mnist)
        session.compared(figures)
    count = len(figures.images)
    st.subheader("Before and after, on the digits it did not see")
    st.image(
        pictures.tile(
            np.concatenate([figures.images, figures.rebuilt_before, figures.rebuilt_after]),
            count,
        ),
        alt=f"Your {count} held-out digits, rebuilt before (mean error "
        f"{figures.own_before:.4f}) and after (mean error {figures.own_after:.4f}) the fine-tune",
    )
    st.caption(
        "Rows: your held-out digits, the model's reconstructions before, and after. "
        f"Their mean error went from {figures.own_before:.4f} to {figures.own_after:.4f}."
    )
    table = "| mean squared error per pixel | before | after |\n|---|---:|---:|\n"
    table += f"| your {count} held-out digits | {figures.own_before:.4f} | "
    table += f"{figures.own_after:.4f} |\n"
    if figures.mnist_before is not None and figures.mnist_after is not None:
        table += (
            f"| the MNIST test digits | {figures.mnist_before:.4f} | {figures.mnist_after:.4f} |\n"
        )
    st.markdown(table)
    st.caption("The taught model became your model on every page (the Train page downloads it).")


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    handwriting_page()
