"""Training every family on tiny synthetic data (TensorFlow is imported here, and only here)."""

import numpy as np
import pytest

from autoencoder.artifact import load_model, save_model
from autoencoder.config import Config
from autoencoder.data import load_dataset
from autoencoder.training import build_keras_models, to_keras, train

pytestmark = pytest.mark.slow  # trains TensorFlow models

TINY = Config(hidden_units=16, latent_dim=4, epochs=2, batch_size=64, seed=3)
FAMILIES = {
    "dense": TINY,
    "deep": Config(hidden_units=(32, 16), latent_dim=4, code_activation="linear", epochs=1,
                   batch_size=64),
    "conv": Config.for_family("conv", latent_dim=4, filters=(4, 8), epochs=1, batch_size=64),
    "vae-dense": Config(hidden_units=(32,), latent_dim=2, code_activation="linear",
                        variational=True, epochs=1, batch_size=64),
    "vae-conv": Config.for_family("conv", latent_dim=3, filters=(4, 8), variational=True,
                                  epochs=1, batch_size=64),
    "denoising-gaussian": Config(hidden_units=(16,), latent_dim=4, noise="gaussian",
                                 noise_level=0.3, epochs=1, batch_size=64),
    "denoising-mask": Config.for_family("conv", latent_dim=4, filters=(4,), noise="mask",
                                        noise_level=0.25, epochs=1, batch_size=64),
    "pca": Config.for_family("pca", latent_dim=5),
}  # fmt: skip


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


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_trains_saves_loads_and_matches_keras(family, tiny_dataset, tmp_path):
    config = FAMILIES[family]
    model = train(tiny_dataset, config, train_limit=256)
    assert model.config == config
    loaded = load_model(save_model(model, tmp_path / family))
    images = np.tile(tiny_dataset.test.images, (3, 1))[:256]  # 256 images, as the issue asks
    np.testing.assert_array_equal(loaded.reconstruct(images), model.reconstruct(images))
    metrics = model.record["metrics"]
    assert np.isfinite(metrics["psnr"])
    if config.variational:
        assert metrics["neg_elbo"] > 0
    if config.denoising:
        assert {"noisy_input_psnr", "denoised_psnr"} <= set(metrics)
    if config.family == "pca":
        return  # no Keras model: the closed form is the model
    keras_model = to_keras(model)
    np.testing.assert_allclose(model.reconstruct(images), keras_model.predict(images, verbose=0),
                               atol=1e-5)  # fmt: skip
    encoder, decoder = keras_model.get_layer("encoder"), keras_model.get_layer("decoder")
    codes = encoder.predict(images, verbose=0)
    codes = codes[0] if config.variational else codes  # a VAE's encoder gives [mean, log-var]
    np.testing.assert_allclose(model.encode(images), codes, atol=1e-5)
    random_codes = np.random.default_rng(0).normal(size=(64, config.latent_dim)).astype("float32")
    np.testing.assert_allclose(model.decode(random_codes), decoder.predict(random_codes, verbose=0),
                               atol=1e-5)  # fmt: skip


def test_a_vaes_kl_term_pulls_codes_to_the_prior(tiny_dataset):
    # With a heavy KL weight the encoder gives up on the images and matches N(0, I):
    # a VAE whose KL term were missing would keep its codes wherever they start.
    config = Config(hidden_units=(32,), latent_dim=2, code_activation="linear", variational=True,
                    epochs=6, batch_size=32, beta=50.0, learning_rate=0.01)  # fmt: skip
    model = train(tiny_dataset, config)
    mean, log_var = model.encode_distribution(tiny_dataset.test.images)
    assert np.abs(mean).mean() < 0.3
    assert np.abs(log_var).mean() < 0.3
    assert model.record["metrics"]["neg_elbo"] > 0


def test_same_seed_same_model(tiny_dataset):
    config = Config(hidden_units=8, latent_dim=2, epochs=1, batch_size=64, seed=11)
    first = train(tiny_dataset, config, train_limit=128)
    second = train(tiny_dataset, config, train_limit=128)
    for name, array in first.weights.items():
        np.testing.assert_allclose(second.weights[name], array, atol=1e-6)


def test_a_cosine_schedule_decays_to_zero_over_the_run():
    from autoencoder.training import _learning_rate

    config = Config(epochs=4, batch_size=100, learning_rate=0.01, schedule="cosine")
    schedule = _learning_rate(config, images=1000)  # 10 steps an epoch, 40 in all
    assert float(schedule(0)) == pytest.approx(0.01)
    assert float(schedule(20)) == pytest.approx(0.005, rel=1e-3)
    assert float(schedule(40)) == pytest.approx(0.0, abs=1e-9)
    assert _learning_rate(Config(learning_rate=0.01), images=1000) == 0.01


@pytest.mark.parametrize("images", [1000, 1024, 100])  # a short last batch, none, only one
def test_every_epoch_sees_every_image_once_in_a_new_order(images):
    from autoencoder.training import _shuffled_batches

    batches = _shuffled_batches(images, batch_size=256, seed=3)
    epochs = [[b.numpy() for b in batches] for _ in range(3)]  # Keras iterates once an epoch
    assert batches.cardinality() == len(epochs[0])
    for epoch in epochs:
        assert [len(b) for b in epoch] == [256] * (images // 256) + [images % 256] * bool(
            images % 256
        )
        assert sorted(np.concatenate(epoch)) == list(range(images))
    orders = [tuple(np.concatenate(epoch)) for epoch in epochs]
    assert len(set(orders)) == 3  # reshuffled every epoch
    again = [b.numpy() for b in _shuffled_batches(images, batch_size=256, seed=3)]
    assert tuple(np.concatenate(again)) == orders[0]  # the same seed, the same run
    other = [b.numpy() for b in _shuffled_batches(images, batch_size=256, seed=4)]
    assert tuple(np.concatenate(other)) != orders[0]


def test_xla_is_the_callers_choice(tiny_dataset, monkeypatch):
    import keras

    compiled = []
    original = keras.Model.compile

    def compile(self, *args, **kwargs):
        compiled.append(kwargs["jit_compile"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "compile", compile)
    config = Config(hidden_units=8, latent_dim=2, epochs=1, batch_size=64)
    conv = Config.for_family("conv", filters=(4,), latent_dim=2, epochs=1, batch_size=64)
    for chosen, xla in ((config, None), (config, False), (conv, None)):
        train(tiny_dataset, chosen, train_limit=128, xla=xla)
    assert compiled == [True, False, False]  # dense: XLA unless told; conv: never by default


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


def test_binarisation_draws_black_or_white_anew_for_each_batch():
    import tensorflow as tf

    from autoencoder.training import _binarization

    binarize = _binarization(Config(binarize=True, seed=5), images=1000)
    grey = tf.fill([64, 784], 0.25)
    first = binarize(grey, tf.range(64)).numpy()
    assert set(np.unique(first)) == {0.0, 1.0}
    assert abs(first.mean() - 0.25) < 0.01
    np.testing.assert_array_equal(binarize(grey, tf.range(64)).numpy(), first)  # seeded
    assert not np.array_equal(binarize(grey, tf.range(64) + 1).numpy(), first)  # other rows
    assert _binarization(Config(), images=1000)(grey, tf.range(64)) is grey  # grey stays grey


def test_a_binarised_vae_validates_on_the_fixed_binarisation(tiny_dataset):
    from autoencoder import evaluation

    config = Config(hidden_units=(32,), latent_dim=2, code_activation="linear",
                    variational=True, binarize=True, epochs=1, batch_size=64)  # fmt: skip
    model = train(tiny_dataset, config)
    metrics = model.record["metrics"]
    assert "nll" not in metrics  # training skips the slow estimate
    # The validation loss is the negative ELBO per pixel on the binarised test images.
    again = evaluation.evaluate(model, tiny_dataset.test, nll_samples=None)
    assert model.record["history"]["val_loss"][0] == pytest.approx(
        again["neg_elbo"] / 784, rel=0.05
    )


def test_initial_weights_start_the_run(tiny_dataset):
    start = train(tiny_dataset, TINY, train_limit=128)
    still = Config(hidden_units=16, latent_dim=4, epochs=1, batch_size=64, learning_rate=1e-9)
    tuned = train(tiny_dataset, still, train_limit=128, initial_weights=start.weights)
    for name, value in start.weights.items():
        np.testing.assert_allclose(tuned.weights[name], value, atol=1e-5, err_msg=name)
