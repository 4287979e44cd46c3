import numpy as np
import pytest

from autoencoder.config import Config
from autoencoder.network import Autoencoder, operation_count, parameter_count, weight_shapes
from tests.conftest import FAMILIES


def test_shapes_for_single_images_and_batches(tiny_model):
    rng = np.random.default_rng(0)
    batch = rng.random((5, 784), dtype=np.float32)
    assert tiny_model.encode(batch).shape == (5, 4)
    assert tiny_model.encode(batch[0]).shape == (4,)
    assert tiny_model.encode(batch[0].reshape(28, 28)).shape == (4,)
    assert tiny_model.encode(batch.reshape(5, 28, 28)).shape == (5, 4)
    assert tiny_model.decode(np.ones(4)).shape == (784,)
    assert tiny_model.decode(np.ones((3, 4))).shape == (3, 784)
    assert tiny_model.reconstruct(batch).shape == (5, 784)
    assert tiny_model.reconstruct(batch[0].reshape(28, 28)).shape == (28, 28)


def test_single_image_equals_its_row_in_a_batch(tiny_model):
    batch = np.random.default_rng(1).random((4, 784), dtype=np.float32)
    single, batched = tiny_model.reconstruct(batch[2]), tiny_model.reconstruct(batch)[2]
    np.testing.assert_allclose(single, batched, atol=1e-6)


def test_codes_are_non_negative_and_outputs_in_unit_range(tiny_model):
    batch = np.random.default_rng(2).random((50, 784), dtype=np.float32)
    assert tiny_model.encode(batch).min() >= 0
    decoded = tiny_model.decode(np.full((2, 4), 1e4))  # extreme codes must not overflow
    assert decoded.dtype == np.float32
    assert decoded.min() >= 0 and decoded.max() <= 1


@pytest.mark.parametrize("shape", [(783,), (27, 28), (2, 3, 784), (0, 10)])
def test_rejects_wrong_image_shapes(tiny_model, shape):
    with pytest.raises(ValueError, match="images must have shape"):
        tiny_model.encode(np.zeros(shape))


def test_rejects_unscaled_pixels(tiny_model):
    with pytest.raises(ValueError, match="divide 0-255 images by 255"):
        tiny_model.reconstruct(np.full(784, 255.0))


def test_rejects_wrong_code_sizes(tiny_model):
    with pytest.raises(ValueError, match=r"codes must have shape \(4,\)"):
        tiny_model.decode(np.zeros(5))
    with pytest.raises(ValueError, match="NaN"):
        tiny_model.decode(np.array([0, np.nan, 0, 0]))


def test_weights_are_checked_and_read_only(tiny_model):
    with pytest.raises(ValueError, match="read-only"):
        tiny_model.weights["latent.bias"][0] = 1
    config = Config(hidden_units=8, latent_dim=4)
    weights = {name: np.zeros(shape) for name, shape in weight_shapes(config).items()}
    weights["latent.kernel"] = np.zeros((8, 5))
    with pytest.raises(ValueError, match=r"latent\.kernel has shape \(8, 5\)"):
        Autoencoder(config=config, weights=weights)
    del weights["latent.kernel"]
    with pytest.raises(ValueError, match=r"missing weights: latent\.kernel"):
        Autoencoder(config=config, weights=weights)


def test_fingerprint_follows_the_weights():
    from tests.conftest import random_model

    assert random_model(seed=1).fingerprint == random_model(seed=1).fingerprint
    assert random_model(seed=1).fingerprint != random_model(seed=2).fingerprint


@pytest.mark.parametrize("name", FAMILIES)
def test_every_family_encodes_decodes_and_reconstructs(name):
    from tests.conftest import random_model

    model = random_model(FAMILIES[name])
    batch = np.random.default_rng(3).random((300, 784), dtype=np.float32)  # more than one BATCH
    codes = model.encode(batch)
    assert codes.shape == (300, model.latent_dim)
    decoded = model.decode(codes)
    assert decoded.shape == (300, 784) and decoded.min() >= 0 and decoded.max() <= 1
    # Float32 sums in another order (BLAS blocks rows differently): equal to ~1e-6.
    np.testing.assert_allclose(model.reconstruct(batch), decoded, atol=1e-5)
    np.testing.assert_allclose(model.reconstruct(batch[7]), decoded[7], atol=1e-5)
    assert model.parameters == sum(array.size for array in model.weights.values())


def test_a_vae_encodes_to_its_mean():
    from tests.conftest import random_model

    model = random_model(FAMILIES["vae"])
    images = np.random.default_rng(4).random((5, 784), dtype=np.float32)
    mean, log_var = model.encode_distribution(images)
    np.testing.assert_array_equal(model.encode(images), mean)
    assert log_var.shape == mean.shape
    with pytest.raises(ValueError, match="only a variational model"):
        random_model().encode_distribution(images)


def test_pca_is_a_projection():
    rng = np.random.default_rng(5)
    basis, _ = np.linalg.qr(rng.normal(size=(784, 3)))
    mean = np.full(784, 0.3, np.float32)
    config = Config.for_family("pca", latent_dim=3)
    model = Autoencoder(config, {"pca.mean": mean, "pca.components": basis.T})
    codes = np.array([[0.1, -0.2, 0.05]])
    image = mean + codes @ basis.T
    np.testing.assert_allclose(model.encode(image), codes, atol=1e-5)
    np.testing.assert_allclose(model.decode(codes), image, atol=1e-5)


def _naive_conv(inputs, kernel, stride):
    """Direct loops over TensorFlow's 'same' padding (pad after when odd)."""
    n, side, _, _ = inputs.shape
    out = -(-side // stride)
    pad = max((out - 1) * stride + 3 - side, 0)
    padded = np.pad(
        inputs, ((0, 0), (pad // 2, pad - pad // 2), (pad // 2, pad - pad // 2), (0, 0))
    )
    result = np.zeros((n, out, out, kernel.shape[-1]))
    for row in range(out):
        for column in range(out):
            patch = padded[
                :, row * stride : row * stride + 3, column * stride : column * stride + 3
            ]
            result[:, row, column] = np.einsum("nijc,ijcf->nf", patch, kernel)
    return result


def test_convolutions_match_direct_loops():
    from autoencoder.network import _conv, _deconv

    rng = np.random.default_rng(6)
    inputs = rng.normal(size=(2, 14, 14, 3)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, 3, 5)).astype(np.float32)
    np.testing.assert_allclose(_conv(inputs, kernel, 2), _naive_conv(inputs, kernel, 2), atol=1e-4)
    # A transposed convolution is the adjoint: <conv(x), y> == <x, deconv(y)>.
    small = rng.normal(size=(2, 7, 7, 5)).astype(np.float32)
    deconv_kernel = kernel.transpose(0, 1, 2, 3)  # (h, w, out=3, in=5) for the transpose
    forward = np.sum(_conv(inputs, kernel, 2) * small)
    backward = np.sum(inputs * _deconv(small, deconv_kernel))
    assert forward == pytest.approx(backward, rel=1e-4)


def test_absurd_weights_are_refused():
    from autoencoder.network import MAX_WEIGHT

    config = Config(hidden_units=(8,), latent_dim=4)
    weights = {name: np.zeros(shape) for name, shape in weight_shapes(config).items()}
    weights["latent.kernel"] = np.full((8, 4), MAX_WEIGHT * 1.01)  # 3e38 broke Explore's SVD
    with pytest.raises(ValueError, match="absurdly large"):
        Autoencoder(config=config, weights=weights)


def test_operations_count_every_layer_of_the_forward_pass():
    # The seed's network: 784x64 + 64x32 + 32x64 + 64x784 multiply-adds.
    assert operation_count(Config()) == 104_448
    # conv (16, 32) to 32: 14x14 outputs x 9 x 1 x 16, 7x7 x 9 x 16 x 32, 1568 x 32 each way,
    # then 7x7 inputs x 9 x 32 x 16 and 14x14 x 9 x 16 x 1.
    conv = Config.for_family("conv", filters=(16, 32), latent_dim=32)
    assert operation_count(conv) == 28_224 + 225_792 + 2 * 50_176 + 225_792 + 28_224
    assert operation_count(Config.for_family("pca", latent_dim=8)) == 2 * 784 * 8
    assert parameter_count(conv) == 111_521
