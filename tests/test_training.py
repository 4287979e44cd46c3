"""Training on tiny synthetic data (TensorFlow is imported here, and only here)."""

import numpy as np
import pytest

from autoencoder.config import Config
from autoencoder.data import load_dataset
from autoencoder.training import build_keras_models, to_keras, train

TINY = Config(hidden_units=16, latent_dim=4, epochs=2, batch_size=64, seed=3)


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory):
    from tests.conftest import write_npz

    return load_dataset(path=write_npz(tmp_path_factory.mktemp("data") / "mnist.npz"))


@pytest.fixture(scope="module")
def trained(tiny_dataset):
    reports = []
    model = train(tiny_dataset, TINY, on_epoch_end=reports.append)
    return model, reports


def test_named_sub_models_and_shapes():
    autoencoder, encoder, decoder = build_keras_models(Config(hidden_units=8, latent_dim=3))
    assert (encoder.name, decoder.name) == ("encoder", "decoder")
    assert encoder.output_shape == (None, 3)
    assert decoder.input_shape == (None, 3)
    assert autoencoder.output_shape == (None, 784)
    assert [layer.name for layer in encoder.layers[1:]] == ["encoder_hidden", "latent"]


def test_training_reports_every_epoch_and_records_its_run(trained, tiny_dataset):
    model, reports = trained
    assert [report.epoch for report in reports] == [1, 2]
    assert all(report.epochs == 2 and report.seconds > 0 for report in reports)
    assert reports[1].loss < reports[0].loss
    record = model.record
    assert record["history"]["val_loss"] == [round(r.val_loss, 6) for r in reports]
    assert record["dataset"] == {
        "name": "mnist",
        "sha256": tiny_dataset.sha256,
        "train_images": 300,
        "test_images": 100,
    }
    assert record["stopped_early"] is False
    assert record["metrics"]["val_bce"] == pytest.approx(min(r.val_loss for r in reports), rel=1e-3)


def test_numpy_inference_matches_keras(trained, tiny_dataset):
    model, _ = trained
    images = tiny_dataset.test.images
    keras_model = to_keras(model)
    expected = keras_model.predict(images, verbose=0)
    np.testing.assert_allclose(model.reconstruct(images), expected, atol=1e-5)
    codes = keras_model.get_layer("encoder").predict(images, verbose=0)
    np.testing.assert_allclose(model.encode(images), codes, atol=1e-5)


def test_same_seed_same_model(tiny_dataset):
    config = Config(hidden_units=8, latent_dim=2, epochs=1, batch_size=64, seed=11)
    first = train(tiny_dataset, config, train_limit=128)
    second = train(tiny_dataset, config, train_limit=128)
    for name, array in first.weights.items():
        np.testing.assert_allclose(second.weights[name], array, atol=1e-6)


def test_stop_request_ends_training_and_keeps_the_best_epoch(tiny_dataset):
    config = Config(hidden_units=8, latent_dim=2, epochs=50, batch_size=64)
    reports = []
    model = train(
        tiny_dataset,
        config,
        on_epoch_end=reports.append,
        should_stop=lambda: len(reports) >= 2,
        train_limit=200,
    )
    assert len(reports) == 2
    assert model.record["stopped_early"] is True
    assert model.record["dataset"]["train_images"] == 200
    best = int(np.argmin([r.val_loss for r in reports])) + 1
    assert model.record["best_epoch"] == best


def test_refuses_a_dataset_without_training_images(tiny_dataset):
    from dataclasses import replace

    with pytest.raises(ValueError, match="without its training split"):
        train(replace(tiny_dataset, train=None), TINY)
