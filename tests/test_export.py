"""The browser payload: complete, exact, and enough to rerun the network from it alone."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from autoencoder import export
from autoencoder.config import Config
from tests.conftest import random_model

FAMILIES = {
    "dense": Config(hidden_units=(16, 8), latent_dim=4),
    "conv": Config.for_family("conv", latent_dim=3, filters=(4, 8)),
    "conv-dense": Config.for_family("conv", latent_dim=3, filters=(4,), hidden_units=(6,)),
    "vae": Config(hidden_units=(16,), latent_dim=2, code_activation="linear", variational=True),
    "pca": Config.for_family("pca", latent_dim=5),
}


def unpack(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


def run(layers: list[dict], values: np.ndarray) -> np.ndarray:
    """The payload's meaning, as components/live/network.js reads it, written plainly."""
    x = values.astype(np.float64).ravel()
    for layer in layers:
        kernel, bias = unpack(layer["kernel"]), unpack(layer["bias"])
        fan_in, units = layer["fan_in"], layer["units"]
        if layer["kind"] == "dense":
            x = x @ kernel.reshape(fan_in, units)
        elif layer["kind"] == "conv":
            side, pad = layer["side"], layer["pad"]
            image, weights = x.reshape(side, side, fan_in), kernel.reshape(3, 3, fan_in, units)
            out = -(-side // 2)
            result = np.zeros((out, out, units))
            for row, column, r, c in np.ndindex(out, out, 3, 3):
                y, z = 2 * row + r - pad, 2 * column + c - pad
                if 0 <= y < side and 0 <= z < side:
                    result[row, column] += image[y, z] @ weights[r, c]
            x = result.ravel()
        else:  # deconv: each input pixel adds a kernel-weighted 3x3 patch, two pixels apart
            side, pad = layer["side"], layer["pad"]
            image, weights = x.reshape(side, side, fan_in), kernel.reshape(3, 3, units, fan_in)
            result = np.zeros((2 * side, 2 * side, units))
            for row, column, r, c in np.ndindex(side, side, 3, 3):
                y, z = 2 * row + r - pad, 2 * column + c - pad
                if 0 <= y < 2 * side and 0 <= z < 2 * side:
                    result[y, z] += weights[r, c] @ image[row, column]
            x = result.ravel()
        x = x + np.tile(bias, len(x) // units)
        activation = layer["activation"]
        if activation == "relu":
            x = np.maximum(x, 0)
        elif activation == "sigmoid":
            x = 1 / (1 + np.exp(-x))
        elif activation == export.CLIP:
            x = np.clip(x, 0, 1)
    return x


@pytest.mark.parametrize("family", FAMILIES)
def test_the_payload_alone_encodes_and_decodes_as_the_model_does(family):
    model = random_model(FAMILIES[family], seed=3)
    payload = json.loads(json.dumps(export.payload(model)))  # what the browser receives
    rng = np.random.default_rng(0)
    images = rng.random((3, 784), dtype=np.float32)
    codes = rng.normal(size=(3, model.latent_dim)).astype(np.float32)
    for image, code in zip(images, codes, strict=True):
        np.testing.assert_allclose(run(payload["encoder"], image), model.encode(image), atol=1e-5)
        np.testing.assert_allclose(run(payload["decoder"], code), model.decode(code), atol=1e-5)


def test_the_payload_names_its_model_and_keeps_weights_exact():
    model = random_model(FAMILIES["dense"])
    payload = export.payload(model)
    assert payload["fingerprint"] == model.fingerprint
    assert (payload["family"], payload["latent_dim"], payload["image_side"]) == ("dense", 4, 28)
    names = [layer["name"] for layer in payload["encoder"] + payload["decoder"]]
    assert names == [
        "encoder_hidden", "encoder_hidden_2", "latent",
        "decoder_hidden", "decoder_hidden_2", "reconstruction",
    ]  # fmt: skip
    for layer in payload["encoder"] + payload["decoder"]:
        kernel = model.weights[f"{layer['name']}.kernel"]
        np.testing.assert_array_equal(unpack(layer["kernel"]), kernel.ravel())
        np.testing.assert_array_equal(unpack(layer["bias"]), model.weights[f"{layer['name']}.bias"])


def test_a_vae_sends_its_mean_head_only():
    payload = export.payload(random_model(FAMILIES["vae"]))
    assert [layer["name"] for layer in payload["encoder"]][-1] == "latent_mean"
    assert "latent_log_var" not in json.dumps(payload)


def test_convolutions_carry_their_grid():
    payload = export.payload(random_model(FAMILIES["conv"]))
    grids = [(layer["kind"], layer["side"], layer["pad"]) for layer in payload["encoder"][:2]]
    assert grids == [("conv", 28, 0), ("conv", 14, 0)]
    grids = [(layer["kind"], layer["side"]) for layer in payload["decoder"][1:]]
    assert grids == [("deconv", 7), ("deconv", 14)]


def test_floats_are_little_endian_float32():
    assert base64.b64decode(export.floats(np.array([1.0]))) == b"\x00\x00\x80\x3f"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_the_payload_is_sized_before_it_is_built(family):
    model = random_model(FAMILIES[family])
    built = len(json.dumps(export.payload(model)))
    assert built <= export.payload_bytes(model) < built + 2_000


def test_a_model_too_big_for_the_browser_is_refused_before_its_payload_exists(monkeypatch):
    model = random_model(Config(hidden_units=(64,), latent_dim=8))
    monkeypatch.setattr(export, "MAX_PAYLOAD_BYTES", export.payload_bytes(model) - 1)

    def never(array):
        raise AssertionError("the payload was being built")

    monkeypatch.setattr(export, "floats", never)
    with pytest.raises(export.UnsupportedModelError, match="too big to run in the browser"):
        export.payload(model)
