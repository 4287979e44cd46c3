"""Inside the network: every layer's output (Autoencoder.activations), a first-layer unit's
incoming weights, what a code unit paints, and a layer laid out as a picture."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from autoencoder import inside
from autoencoder.config import Config
from autoencoder.latent import statistics
from autoencoder.network import code_layers, decoder_layers, encoder_layers
from tests.conftest import random_model

DENSE = Config(hidden_units=(16, 8), latent_dim=4)
CONV = Config.for_family("conv", filters=(4, 6), latent_dim=3)
VAE = Config(hidden_units=(12,), latent_dim=2, variational=True, code_activation="linear")
PCA = Config.for_family("pca", latent_dim=5)


@pytest.fixture
def images() -> np.ndarray:
    return (np.random.default_rng(0).random((3, 784)) ** 3).astype(np.float32)


@pytest.mark.parametrize("config", [DENSE, CONV, VAE], ids=["dense", "conv", "vae"])
def test_activations_name_every_layer_in_order_and_end_in_the_reconstruction(config, images):
    model = random_model(config, seed=2)
    outputs = model.activations(images)
    layers = [*encoder_layers(config), *code_layers(config), *decoder_layers(config)]
    assert list(outputs) == [layer.name for layer in layers]
    code = outputs[code_layers(config)[0].name]
    np.testing.assert_allclose(code, model.encode(images), atol=1e-6)
    np.testing.assert_allclose(
        outputs["reconstruction"].reshape(3, -1), model.reconstruct(images), atol=1e-6
    )
    single = model.activations(images[1].reshape(28, 28))
    for name, batch in outputs.items():
        np.testing.assert_allclose(single[name], batch[1], rtol=1e-5, atol=1e-5)  # BLAS' order


def test_a_convolution_s_outputs_are_feature_maps(images):
    outputs = random_model(CONV, seed=2).activations(images)
    assert outputs["encoder_conv_1"].shape == (3, 14, 14, 4)
    assert outputs["encoder_conv_2"].shape == (3, 7, 7, 6)
    assert outputs["decoder_project"].shape == (3, 7 * 7 * 6)
    assert outputs["decoder_deconv_1"].shape == (3, 14, 14, 4)
    assert outputs["reconstruction"].shape == (3, 28, 28, 1)
    assert (outputs["encoder_conv_1"] >= 0).all()  # ReLU


def test_a_vae_shows_its_code_s_mean_and_log_variance(images):
    model = random_model(VAE, seed=2)
    outputs = model.activations(images)
    mean, log_var = model.encode_distribution(images)
    np.testing.assert_allclose(outputs["latent_mean"], mean, atol=1e-6)
    np.testing.assert_allclose(outputs["latent_log_var"], log_var, atol=1e-6)
    # The decoder runs from the mean, as encode and the browser do.
    np.testing.assert_allclose(outputs["reconstruction"], model.decode(mean), atol=1e-6)


def test_pca_has_the_two_layers_the_browser_is_sent(images):
    model = random_model(PCA, seed=2)
    outputs = model.activations(images)
    assert list(outputs) == ["pca_encode", "pca_decode"]
    np.testing.assert_allclose(outputs["pca_encode"], model.encode(images), atol=1e-5)
    np.testing.assert_allclose(outputs["pca_decode"], model.reconstruct(images), atol=1e-6)


def test_a_first_layer_unit_is_its_weights_against_the_pixels(images):
    model = random_model(DENSE, seed=2)
    weights = inside.incoming_weights(model, 5)
    assert weights.shape == (28, 28)
    bias = model.weights["encoder_hidden.bias"][5]
    expected = np.maximum(images @ weights.ravel() + bias, 0)
    np.testing.assert_allclose(
        model.activations(images)["encoder_hidden"][:, 5], expected, atol=1e-5
    )
    with pytest.raises(ValueError, match="units 0 to 15"):
        inside.incoming_weights(model, 16)


def test_a_convolution_s_first_units_are_3x3_filters_and_pca_s_its_components():
    conv = random_model(CONV, seed=2)
    np.testing.assert_array_equal(
        inside.incoming_weights(conv, 3), conv.weights["encoder_conv_1.kernel"][:, :, 0, 3]
    )
    pca = random_model(PCA, seed=2)
    assert inside.first_layer(pca) == "pca_encode"
    np.testing.assert_array_equal(
        inside.incoming_weights(pca, 2).ravel(), pca.weights["pca.components"][2]
    )


def test_a_code_unit_paints_what_moving_it_alone_changes():
    model = random_model(DENSE, seed=2)
    code = np.array([0.5, 1.0, 0.2, 0.0], np.float32)
    painted = inside.paints(model, code, 1, 0.3)
    assert painted.shape == (784,) and np.abs(painted).max() > 0
    np.testing.assert_allclose(inside.paints(model, code, 1, -0.3), -painted, atol=1e-7)
    up = code.copy()
    up[1] += 0.3
    down = code.copy()
    down[1] -= 0.3
    np.testing.assert_allclose(painted, (model.decode(up) - model.decode(down)) / 2, atol=1e-7)
    weights = dict(model.weights)
    ignored = weights["decoder_hidden.kernel"].copy()
    ignored[1] = 0  # the decoder never reads unit 1
    deaf = type(model)(model.config, weights | {"decoder_hidden.kernel": ignored})
    assert np.abs(inside.paints(deaf, code, 1, 0.3)).max() == 0
    with pytest.raises(ValueError, match="units 0 to 3"):
        inside.paints(model, code, 4, 0.3)


def test_paint_steps_follow_each_unit_s_spread_and_are_never_zero():
    model = random_model(DENSE, seed=2)
    codes = np.random.default_rng(1).normal(size=(200, 4)) * [1, 2, 0.5, 0]
    steps = inside.paint_steps(model, statistics(codes))
    np.testing.assert_allclose(steps[:3], [1, 2, 0.5], rtol=0.15)
    assert steps[3] == inside.PRIOR_STEP  # a dead unit still moves
    np.testing.assert_array_equal(inside.paint_steps(random_model(VAE)), [1.0, 1.0])


def test_a_layer_is_laid_out_as_a_near_square_grid():
    maps = np.random.default_rng(0).normal(size=(14, 14, 32))
    grid = inside.layer_grid(maps)
    assert grid.shape == (6 * 15 - 1, 6 * 15 - 1)
    assert np.nanmax(np.abs(grid)) == pytest.approx(1)
    np.testing.assert_allclose(grid[:14, 15:29], maps[:, :, 1] / np.abs(maps).max())
    assert np.isnan(grid[14]).all()  # the gap between rows of maps
    units = inside.layer_grid(np.arange(10.0))
    assert units.shape == (3, 4) and np.isnan(units.ravel()[10:]).all()
    assert inside.layer_grid(np.zeros(4)).tolist() == [[0, 0], [0, 0]]  # no division by zero


def test_a_layer_s_picture_is_grey_or_orange_and_blue_with_light_gaps():
    grid = inside.layer_grid(np.array([1.0, 0.5, 0.0, -1.0, 0.25]))  # 2 x 3, one gap
    grey = inside.grid_picture(grid, signed=False, zoom=2)
    assert grey.shape == (4, 6, 3) and grey.dtype == np.uint8
    assert grey[0, 0].tolist() == [255, 255, 255] and grey[0, 4].tolist() == [0, 0, 0]
    assert grey[2, 0].tolist() == [0, 0, 0]  # a negative value in an unsigned layer: none
    assert grey[3, 5].tolist() == [inside.GAP_GREY] * 3
    signed = inside.grid_picture(grid, signed=True, zoom=1)
    assert signed[0, 0].tolist() == inside.ORANGE.tolist()
    assert signed[1, 0].tolist() == inside.BLUE.tolist()
    assert signed[0, 2].tolist() == [0, 0, 0]


def test_only_a_vae_sends_its_log_variance_head_to_the_browser():
    assert inside.payload_extras(random_model(DENSE)) == {}
    vae = random_model(VAE, seed=2)
    spread = inside.payload_extras(vae)["spread"]
    assert (spread["name"], spread["fan_in"], spread["units"]) == ("latent_log_var", 12, 2)
    kernel = np.frombuffer(base64.b64decode(spread["kernel"]), "<f4")
    np.testing.assert_array_equal(kernel, vae.weights["latent_log_var.kernel"].ravel())


@pytest.mark.parametrize(
    ("config", "names"),
    [
        (DENSE, ["encoder_hidden", "encoder_hidden_2", "latent", "decoder_hidden",
                 "decoder_hidden_2", "reconstruction"]),
        (CONV, ["encoder_conv_1", "encoder_conv_2", "latent", "decoder_project",
                "decoder_deconv_1", "reconstruction"]),
        (VAE, ["encoder_hidden", "latent_mean", "latent_log_var", "decoder_hidden",
               "reconstruction"]),
        (PCA, ["pca_encode", "pca_decode"]),
    ],
    ids=["dense", "conv", "vae", "pca"],
)  # fmt: skip
def test_the_server_shows_every_layer_from_the_input_to_the_output(config, names, images):
    model = random_model(config, seed=3)
    shown = inside.shown_layers(model, images[0])
    assert shown[0].heading == "Input · 784 pixels (28x28)"
    np.testing.assert_allclose(shown[0].grid, images[0].reshape(28, 28), atol=1e-6)  # unscaled
    headings = [layer.heading for layer in shown[1:]]
    assert [heading.split(" · ")[1] for heading in headings] == names
    assert headings[0].startswith(f"Layer 1 of {len(names)}")
    assert shown[-1].words == "The output: 784 pixels (28x28), the reconstruction."
    code = next(layer for layer in shown if layer.words.startswith("The code: "))
    assert code.signed == (config.code_activation == "linear" or config.family == "pca")


def test_the_words_count_the_units_relu_cut_and_a_spread_is_a_standard_deviation(images):
    model = random_model(VAE, seed=3)
    shown = inside.shown_layers(model, images[0])
    outputs = model.activations(images[0])
    zeros = int((outputs["encoder_hidden"] == 0).sum())
    assert shown[1].words == (
        "These 12 numbers are the first hidden layer's outputs; the dark ones are zero: "
        f"ReLU cut them ({zeros} of 12 now)."
    )
    spread = shown[3]
    assert spread.words.startswith("The code's spread") and not spread.signed
    want = np.exp(outputs["latent_log_var"] / 2)
    np.testing.assert_allclose(spread.grid.ravel(), want, rtol=1e-6)  # bounded: not rescaled
    maps = inside.shown_layers(random_model(CONV, seed=3), images[0])[1]
    assert maps.words.startswith("4 feature maps of 14x14: the first convolution's 4 filters")
    assert "; dark is zero: ReLU cut " in maps.words


def test_the_code_layer_is_the_one_the_decoder_gets():
    assert inside.code_layer(random_model(DENSE)) == "latent"
    assert inside.code_layer(random_model(VAE)) == "latent_mean"
    assert inside.code_layer(random_model(PCA)) == "pca_encode"


def test_a_deeper_unit_s_pixels_are_how_its_output_moves_with_each_pixel(images):
    model = random_model(DENSE, seed=5)
    image = images[0]
    first = inside.pixel_weights(model, image, "encoder_hidden", 3)
    np.testing.assert_allclose(first, inside.incoming_weights(model, 3), rtol=1e-6)
    outputs = model.activations(image)["encoder_hidden_2"]
    unit = int(np.argmax(outputs))  # on: locally linear in the pixels
    assert outputs[unit] > 0
    traced = inside.pixel_weights(model, image, "encoder_hidden_2", unit).ravel()
    step = 1e-3
    for pixel in (0, 300, 406, 783):
        moved = image.copy()
        moved[pixel] += step
        change = model.activations(moved)["encoder_hidden_2"][unit] - outputs[unit]
        assert change / step == pytest.approx(traced[pixel], rel=0.05, abs=1e-3)
    with pytest.raises(ValueError, match="not a dense layer the pixels feed"):
        inside.pixel_weights(random_model(CONV), image, "encoder_conv_2", 0)
    with pytest.raises(ValueError, match="units 0 to 7"):
        inside.pixel_weights(model, image, "encoder_hidden_2", 8)


def test_the_layers_traced_to_the_pixels_are_the_dense_ones_before_any_convolution():
    assert inside.traced_layers(random_model(DENSE)) == ["encoder_hidden", "encoder_hidden_2"]
    assert inside.traced_layers(random_model(CONV)) == []
    assert inside.traced_layers(random_model(PCA)) == []
