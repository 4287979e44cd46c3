"""A visitor's handwriting: the prompts, the held-out digits, the mix, and the child's input."""

from __future__ import annotations

import io

import numpy as np
import pytest

from autoencoder import handwriting
from autoencoder.config import Config
from autoencoder.handwriting import HandwritingError


def test_the_prompts_go_round_the_digits_lowest_first_and_stop_at_fifty():
    labels: list[int] = []
    while (digit := handwriting.next_prompt(labels)) is not None:
        labels.append(digit)
    assert labels[:20] == [*range(10), *range(10)]
    assert len(labels) == handwriting.MAX_DIGITS
    assert handwriting.next_prompt([0, 0, 2]) == 1


def test_what_is_still_missing_before_teaching():
    assert handwriting.missing([0, 0, 1]) == {1: 1, **{d: 2 for d in range(2, 10)}}
    assert handwriting.missing([*range(10), *range(10)]) == {}


def test_the_last_of_each_digit_is_held_out_and_never_trained_on():
    labels = [3, 1, 3, 1, 3]
    assert list(handwriting.held_out(labels)) == [3, 4]
    assert list(handwriting.trained_on(labels)) == [0, 1, 2]


def test_the_mix_is_mostly_mnist_with_shifted_copies_of_the_visitors_digits():
    rng = np.random.default_rng(0)
    mnist = np.zeros((1000, 784), np.uint8)  # blank: the visitor's digits are the only ink
    own = rng.integers(1, 256, (10, 784), dtype=np.uint8)
    mixed = handwriting.mixed_training_pixels(own, mnist, mnist_images=300)
    inked = (mixed > 0).any(axis=1).sum()
    assert inked / len(mixed) == pytest.approx(handwriting.OWN_SHARE, abs=0.03)
    assert len(mixed) - inked == 300
    with pytest.raises(HandwritingError, match="Write a few digits first"):
        handwriting.mixed_training_pixels(own[:0], mnist)


def test_a_pca_model_is_not_fine_tuned_and_the_settings_are_gentle():
    with pytest.raises(HandwritingError, match="PCA model is computed"):
        handwriting.finetune_config(Config.for_family("pca", latent_dim=4))
    tuned = handwriting.finetune_config(Config(learning_rate=1e-2, epochs=3))
    assert tuned.epochs == handwriting.EPOCHS
    assert tuned.learning_rate == handwriting.LEARNING_RATE
    assert tuned.hidden_units == Config().hidden_units  # the same model, trained on


def test_the_childs_digits_file_round_trips_and_is_bounded(tmp_path):
    images = np.random.default_rng(0).uniform(0, 1, (4, 28, 28)).astype(np.float32)
    path = tmp_path / "digits.npz"
    path.write_bytes(handwriting.digits_npz(images, [1, 2, 3, 4]))
    pixels, labels = handwriting._read_digits(path)
    assert pixels.shape == (4, 784) and list(labels) == [1, 2, 3, 4]
    assert np.abs(pixels / 255 - images.reshape(4, 784)).max() < 0.003

    too_many = np.zeros((handwriting.MAX_DIGITS + 1, 28, 28), np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, x=too_many, y=np.zeros(len(too_many), np.uint8))
    path.write_bytes(buffer.getvalue())
    with pytest.raises(HandwritingError, match="must hold 1 to 50 uint8 rows"):
        handwriting._read_digits(path)
    path.write_bytes(b"not a zip")
    with pytest.raises(HandwritingError, match="not a file of digits"):
        handwriting._read_digits(path)


def test_the_child_refuses_a_bad_digits_file_in_one_line(tmp_path, capsys, tiny_npz):
    from autoencoder.artifact import save_model
    from tests.conftest import random_model

    model = save_model(random_model(), tmp_path / "start")
    (tmp_path / "digits.npz").write_bytes(b"junk")
    arguments = ["--model", str(model), "--digits", str(tmp_path / "digits.npz"),
                 "--data", str(tiny_npz), "--out", str(tmp_path / "out")]  # fmt: skip
    assert handwriting.main(arguments) == 1
    assert capsys.readouterr().err.startswith("error: not a file of digits")


def test_the_server_side_never_imports_tensorflow():
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys\n"
        "import numpy as np\n"
        "from autoencoder import handwriting\n"
        "from tests.conftest import random_model\n"
        "model = random_model()\n"
        "held = np.zeros((2, 784), np.float32)\n"
        "handwriting.before_after(model, model, held)\n"
        "handwriting.digits_npz(held, [1, 2])\n"
        "ink, blank = np.ones((2, 784), np.uint8), np.zeros((9, 784), np.uint8)\n"
        "handwriting.mixed_training_pixels(ink, blank)\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
