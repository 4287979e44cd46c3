"""components/live/'s JavaScript against the Python it mirrors, run in node: the seeded noise
(noise.js against noise.corrupt_portable) and the Denoise view's PSNRs; every layer's output, a
unit's incoming weights and what a code unit paints (layers.js against Autoencoder.activations
and inside.py), for one model of each family; interpolation rows, BCE and the detector's rates.
The files are plain scripts, so node loads them as the browser does."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import numpy as np
import pytest

from autoencoder import (
    denoising,
    describe,
    detection,
    export,
    generation,
    inside,
    metrics,
    pictures,
    zoo,
)
from autoencoder.artifact import ModelLoadError
from autoencoder.network import Autoencoder
from autoencoder.noise import KINDS, corrupt_portable, uniforms
from tests.conftest import ROOT, random_model

COMPONENT_DIR = ROOT / "components" / "live"
SCRIPTS = (
    "network.js", "pictures.js", "metrics.js", "noise.js", "layers.js", "denoise.js",
    "generate.js", "detect.js",
)  # fmt: skip
FAMILIES = [
    "dense-32", "deep-32", "conv-32", "conv-wide-32", "vae-2", "vae-32", "denoise-32", "pca-32",
]  # fmt: skip
TOLERANCE = 1e-4


def run_js(function: str, argument: Any) -> Any:
    """``function`` (JS source of a one-argument function) applied in node to ``argument``."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node on this machine")
    scripts = "\n".join((COMPONENT_DIR / name).read_text(encoding="utf-8") for name in SCRIPTS)
    program = (
        f"{scripts}\nconst argument = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        f"process.stdout.write(JSON.stringify(({function})(argument)));"
    )
    done = subprocess.run(
        [node, "-e", program], input=json.dumps(argument), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def zoo_or_random(name: str) -> Autoencoder:
    """The zoo model if it is built, else one of the same settings with random weights."""
    try:
        return zoo.load(name)
    except ModelLoadError:
        return random_model(zoo.entry(name).config, seed=1)


def test_the_uniforms_are_python_s_bit_for_bit():
    seeds = [0, 1, 7, 12345, 2**31, 2**32 - 1]
    got = run_js("(seeds) => seeds.map((seed) => Array.from(uniforms(seed, 4000)))", seeds)
    for seed, values in zip(seeds, got, strict=True):
        np.testing.assert_array_equal(np.array(values), uniforms(seed, 4000))
    assert not np.array_equal(uniforms(0, 100), uniforms(1, 100))


def test_the_browser_spoils_an_image_as_the_server_does():
    rng = np.random.default_rng(3)
    clean = (rng.random((3, 784)) ** 3).astype(np.float32)
    cases = [
        (kind, level, seed) for kind in KINDS for level in (0.05, 0.35, 1.0) for seed in (0, 9)
    ]
    got = run_js(
        """([images, cases]) => cases.map(([kind, level, seed]) => images.map((image) =>
            Array.from(corrupt(Float32Array.from(image), kind, level, noiseField(seed, 784)))))""",
        [clean.tolist(), cases],
    )
    for (kind, level, seed), noisy in zip(cases, got, strict=True):
        # The page spoils one image at a time, each with the page's seed.
        expected = np.stack([corrupt_portable(image, kind, level, seed) for image in clean])
        difference = np.abs(np.array(noisy, dtype=np.float32) - expected).max()
        if kind == "gaussian":  # log and cos may differ in their last bit between the two
            assert difference <= 1e-6, (kind, level, seed)
        else:
            assert difference == 0, (kind, level, seed)


@pytest.mark.parametrize("name", FAMILIES)
def test_every_layer_matches_python(name):
    model = zoo_or_random(name)
    rng = np.random.default_rng(0)
    images = (rng.random((3, 784), dtype=np.float32) ** 3).astype(np.float32)
    payload = export.payload(model) | inside.payload_extras(model)
    first = payload["encoder"][0]["units"]
    units = [0, model.latent_dim - 1]  # code units, and of the first layer's
    fed = [0, first - 1]
    got = run_js(
        """([payload, images, units, fed]) => {
            const model = loadModel(payload);
            return images.map((image) => {
                const outputs = layerOutputs(model, image);
                const code = outputs.find((output) => output.layer === model.encoder.at(-1));
                return {
                    layers: outputs.map(({ layer, values }) =>
                        [layer.name, outputShape(layer), Array.from(values)]),
                    weights: fed.map((unit) => Array.from(incomingWeights(model, unit))),
                    paints: units.map((unit) => Array.from(paints(model, code.values, unit, 0.7))),
                };
            });
        }""",
        [payload, images.tolist(), units, fed],
    )
    for image, result in zip(images, got, strict=True):
        expected = model.activations(image)
        assert [layer[0] for layer in result["layers"]] == list(expected)
        for (layer, shape, values), want in zip(result["layers"], expected.values(), strict=True):
            assert tuple(shape) == want.shape, layer
            scale = max(1.0, float(np.abs(want).max()))  # hidden outputs are not bounded
            assert np.abs(np.array(values).reshape(want.shape) - want).max() <= TOLERANCE * scale
        for unit, weights in zip(fed, result["weights"], strict=True):
            want = inside.incoming_weights(model, unit)
            assert np.abs(np.array(weights).reshape(want.shape) - want).max() <= 1e-7
        code = expected[payload["encoder"][-1]["name"]]  # latent, latent_mean or pca_encode
        for unit, painted in zip(units, result["paints"], strict=True):
            assert np.abs(np.array(painted) - inside.paints(model, code, unit, 0.7)).max() <= 1e-4


@pytest.mark.parametrize("name", FAMILIES)
def test_the_layers_view_says_what_each_layer_shows_in_the_server_s_words(name):
    model = zoo_or_random(name)
    image = (np.random.default_rng(4).random(784, dtype=np.float32) ** 3).astype(np.float32)
    payload = export.payload(model) | inside.payload_extras(model)
    got = run_js(
        """([payload, image]) => {
            const model = loadModel(payload);
            const outputs = layerOutputs(model, image);
            const entries = layerEntries(model);
            return entries.map((entry, position) => {
                const raw = entry.role === "input" ? Float32Array.from(image)
                    : outputs.find((output) => output.layer === entry.layer).values;
                return [heading(entry, position, entries.length),
                        layerWords(entry, shownValues(entry, raw))];
            });
        }""",
        [payload, image.tolist()],
    )
    want = [(shown.heading, shown.words) for shown in inside.shown_layers(model, image)]
    assert [tuple(pair) for pair in got] == want


@pytest.mark.parametrize("name", ["deep-32", "vae-2", "denoise-32"])
def test_a_deeper_hidden_unit_s_pixels_are_python_s(name):
    model = zoo_or_random(name)
    image = (np.random.default_rng(6).random(784, dtype=np.float32) ** 3).astype(np.float32)
    payload = export.payload(model) | inside.payload_extras(model)
    second = payload["encoder"][1]
    units = [0, second["units"] - 1]
    got = run_js(
        """([payload, image, units]) => {
            const model = loadModel(payload);
            const outputs = layerOutputs(model, image);
            return [tracedToPixels(model, 1),
                    units.map((unit) => Array.from(pixelWeights(model, outputs, 1, unit)))];
        }""",
        [payload, image.tolist(), units],
    )
    assert got[0] is True
    for unit, weights in zip(units, got[1], strict=True):
        want = inside.pixel_weights(model, image, second["name"], unit)
        scale = max(1.0, float(np.abs(want).max()))
        assert np.abs(np.array(weights).reshape(28, 28) - want).max() <= TOLERANCE * scale


def test_the_error_map_is_painted_as_the_server_paints_it():
    original, reconstruction = np.random.default_rng(7).random((2, 784)).astype(np.float32)
    got = run_js(
        "([a, b]) => a.map((value, p) => errorColour(value, b[p]))",
        [original.tolist(), reconstruction.tolist()],
    )
    want = pictures.error_map(original, reconstruction, zoom=1).reshape(-1, 3)
    assert np.abs(np.array(got) - want).max() <= 1  # float rounding at a byte's edge


def test_the_live_pictures_are_described_in_the_server_s_words():
    rng = np.random.default_rng(8)
    original, rebuilt = rng.random((2, 784))
    code = rng.normal(size=6)
    quantiles = np.sort(rng.random(11) * 0.2)
    scores = [0.0, 0.05, 0.1, 0.3]
    got = run_js(
        """([original, rebuilt, code, quantiles, scores]) => [
            describeCode(code), describeCode(code.slice(0, 2)),
            describeErrorMap(original, rebuilt, "your drawing"),
            scores.map((score) => percentileOf(score, quantiles)),
            describeReconstruction("your drawing", 0.0721, 23.4, "MNIST test images"),
        ]""",
        [original.tolist(), rebuilt.tolist(), code.tolist(), quantiles.tolist(), scores],
    )
    assert got[0] == describe.code(code) and got[1] == describe.code(code[:2])
    assert got[2] == describe.error_map(original, rebuilt, "your drawing")
    np.testing.assert_allclose(got[3], [metrics.percentile_of(s, quantiles) for s in scores])
    assert got[4] == describe.reconstruction("your drawing", 0.0721, 23.4, "MNIST test images")


def test_the_denoise_view_spoils_and_scores_as_the_server_does():
    models = [zoo_or_random("dense-32"), zoo_or_random("conv-32")]
    clean = (np.random.default_rng(5).random(784) ** 3).astype(np.float32)
    cases = [("gaussian", 0.5), ("mask", 0.3), ("salt_pepper", 0.2)]
    got = run_js(
        """([payloads, clean, cases]) => {
            const models = payloads.map(loadModel);
            const field = noiseField(0, 784);
            return cases.map(([kind, level]) => {
                const frame = denoiseFrame(models, Float32Array.from(clean), kind, level, field);
                return [frame.noisyPsnr, frame.psnrs, frame.outputs.map((o) => Array.from(o))];
            });
        }""",
        [[export.payload(model) for model in models], clean.tolist(), cases],
    )
    for (kind, level), (noisy_psnr, psnrs, outputs) in zip(cases, got, strict=True):
        noisy = corrupt_portable(clean, kind, level, 0)
        assert noisy_psnr == pytest.approx(denoising.psnr(clean, noisy), abs=1e-3)
        for model, psnr, output in zip(models, psnrs, outputs, strict=True):
            expected = model.reconstruct(noisy)
            assert np.abs(np.array(output) - expected).max() <= TOLERANCE
            assert psnr == pytest.approx(denoising.psnr(clean, expected), abs=1e-3)


@pytest.mark.parametrize("name", ["dense-32", "conv-32", "vae-32", "pca-32"])
def test_an_interpolation_row_and_its_bce_are_python_s(name):
    model = zoo_or_random(name)
    start, end = (np.random.default_rng(6).random((2, 784)) ** 3).astype(np.float32)
    rows, errors = run_js(
        """([payload, start, end]) => {
            const model = loadModel(payload);
            const row = interpolationRow(model, start, end, 7);
            return [row.map((image) => Array.from(image)), row.map((image) => bce(start, image))];
        }""",
        [export.payload(model), start.tolist(), end.tolist()],
    )
    expected = generation.interpolation_row(model, start, end, 7)
    assert np.abs(np.array(rows) - expected).max() <= TOLERANCE
    # NumPy's float32 sigmoid rounds outputs near 0 to steps of 6e-8, the browser's float64 one
    # does not: ink the model leaves out (p ~ 1e-7) then weighs a little differently in the log.
    want = metrics.bce_per_image(np.stack([start] * 7), expected)
    np.testing.assert_allclose(errors, want, rtol=1e-3)


def test_the_detector_s_rates_are_read_at_the_slider_s_step():
    rng = np.random.default_rng(8)
    inside_scores, outside_scores = rng.gamma(4, 0.02, 500), rng.gamma(9, 0.05, 400)
    low, high, step = 0.01, 0.9, 0.001
    thresholds = low + step * np.arange(round((high - low) / step) + 1)
    table = {"low": low, "high": high, "step": step, "false_positive": [], "detection": []}
    for threshold in thresholds:
        at = detection.rates(inside_scores, outside_scores, threshold)
        table["false_positive"].append(at.false_positive_rate)
        table["detection"].append(at.detection_rate)
    picked = [0.01, 0.0504, 0.2, 0.333, 0.9]  # on the slider's steps, as its values are
    got = run_js("([table, picked]) => picked.map((t) => ratesAt(table, t))", [table, picked])
    for threshold, rates in zip(picked, got, strict=True):
        at = detection.rates(inside_scores, outside_scores, round(threshold, 3))
        assert rates == {
            "falsePositive": at.false_positive_rate, "detection": at.detection_rate
        }  # fmt: skip
