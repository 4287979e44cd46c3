"""The shipped model zoo: complete, small, as good as promised, and reproducible."""

import filecmp
import json

import numpy as np
import pytest

from autoencoder import zoo
from autoencoder.artifact import DEFAULT_MODEL_DIR
from autoencoder.data import load_dataset
from autoencoder.evaluation import evaluate

MAX_ZOO_BYTES = 25_000_000  # 25 MB of weights in the repository, counted in bytes
NLL_GOAL = 88.0  # nats: a one-stochastic-layer VAE on binarised MNIST (Burda et al., 2015)


@pytest.fixture(scope="module")
def manifest():
    entries = {entry["name"]: entry for entry in zoo.read_manifest()}
    if not entries:
        pytest.fail("assets/zoo/manifest.json is missing: run `python -m autoencoder zoo build`")
    return entries


def psnr(manifest, name):
    return manifest[name]["metrics"]["psnr"]


def test_every_declared_model_is_built_and_loads_without_tensorflow(manifest):
    assert set(manifest) == {item.name for item in zoo.ZOO}
    for item in zoo.ZOO:
        model = zoo.load(item.name)
        assert model.config == item.config or item.copy_of is not None
        entry = manifest[item.name]
        assert (entry["kind"], entry["latent_dim"]) == (model.config.kind, model.latent_dim)
        assert entry["parameters"] == model.parameters
        assert len(entry["metrics"]["bce_quantiles"]) == 101


def test_the_default_model_is_shipped_byte_for_byte():
    match, mismatch, errors = filecmp.cmpfiles(
        DEFAULT_MODEL_DIR, zoo.ZOO_DIR / zoo.DEFAULT_NAME,
        [path.name for path in DEFAULT_MODEL_DIR.iterdir()], shallow=False,
    )  # fmt: skip
    assert match and not mismatch and not errors


def test_the_zoo_stays_small():
    size = sum(path.stat().st_size for path in zoo.ZOO_DIR.rglob("*") if path.is_file())
    assert size < MAX_ZOO_BYTES, f"the zoo is {size / 1e6:.1f} MB"


def test_the_best_32_number_model_reaches_modern_re_implementations(manifest):
    # 2.65 per image (24.7 dB): the 2006 network retrained without pretraining.
    best = max(psnr(manifest, name) for name, entry in manifest.items()
               if entry["latent_dim"] == 32 and entry["dataset"] == "mnist")  # fmt: skip
    assert best >= 24.7


def test_a_30_number_model_beats_the_2006_deep_autoencoder_in_its_units(manifest):
    (deep,) = zoo.read_references()
    assert manifest["conv-wide-30"]["latent_dim"] == deep["latent_dim"]
    assert manifest["conv-wide-30"]["metrics"]["squared_error"] < deep["squared_error"]


def test_convolutions_beat_the_seed_network(manifest):
    assert psnr(manifest, "conv-32") >= psnr(manifest, "dense-32") + 2.5


def test_every_trained_model_beats_pca_at_its_code_size(manifest):
    sizes = sorted(entry["latent_dim"] for entry in manifest.values() if entry["kind"] == "pca")
    for name, entry in manifest.items():
        if entry["kind"] == "pca" or entry["dataset"] != "mnist" or entry.get("binarized"):
            continue  # a binarised model's figures are on other (black-and-white) images
        # PCA at the same code size, or the next larger one the zoo has (a harder baseline).
        baseline = f"pca-{min(size for size in sizes if size >= entry['latent_dim'])}"
        assert psnr(manifest, name) > psnr(manifest, baseline), (name, baseline)


def test_the_denoiser_gains_4_db_over_the_seed_on_noisy_digits(manifest, mnist_path):
    denoiser = zoo.load("denoise-32")
    test = load_dataset("mnist", mnist_path, include_train=False).test
    from autoencoder.noise import corrupt

    noisy = corrupt(test.images, denoiser.config.noise, denoiser.config.noise_level)
    seed_psnr = 10 * np.log10(
        1 / np.mean((zoo.load("dense-32").reconstruct(noisy) - test.images) ** 2)
    )
    assert manifest["denoise-32"]["metrics"]["denoised_psnr"] >= seed_psnr + 4


def test_the_vae_reaches_105_nats(manifest):
    assert manifest["vae-32"]["metrics"]["neg_elbo"] <= 105


def test_the_binarised_vae_in_the_units_of_vae_papers(manifest):
    figures = manifest["vae-bin-50"]["metrics"]
    assert figures["nll_samples"] == 5000
    assert figures["nll"] <= NLL_GOAL
    # An importance-sampled bound lies between the likelihood and the ELBO.
    assert figures["nll"] < figures["neg_elbo"]


@pytest.mark.slow
def test_evaluate_reproduces_the_manifest(manifest, mnist_path):
    tests = {"mnist": load_dataset("mnist", mnist_path, include_train=False).test}
    fashion = mnist_path.parent / "fashion_mnist.npz"
    tests["fashion_mnist"] = load_dataset("fashion_mnist", fashion, include_train=False).test
    for name, entry in manifest.items():
        # The NLL at k = 5000 costs about 25 CPU-minutes: `evaluate --json` reproduces it
        # (same seed, same figure); here every other figure is checked.
        figures = evaluate(zoo.load(name), tests[entry["dataset"]], nll_samples=None)
        for key, value in entry["metrics"].items():
            if key in figures:
                np.testing.assert_allclose(figures[key], value, atol=1e-4, err_msg=f"{name} {key}")


def test_build_writes_models_and_manifest(tmp_path, monkeypatch, tiny_npz):
    out = tmp_path / "zoo"
    built = zoo.build(["pca-2", "pca-4"], data_dir=tiny_npz.parent, out=out)
    assert [entry["name"] for entry in built] == ["pca-2", "pca-4"]
    assert zoo.load("pca-4", out).latent_dim == 4
    zoo.build(["pca-2"], data_dir=tiny_npz.parent, out=out)  # a rebuild replaces its entry
    names = [entry["name"] for entry in json.loads((out / "manifest.json").read_text())["models"]]
    assert names == ["pca-2", "pca-4"]


def test_the_manifest_marks_the_2006_point():
    (deep,) = zoo.read_references()
    assert (deep["latent_dim"], deep["squared_error"]) == (30, 3.00)
    assert deep["psnr"] == pytest.approx(24.17, abs=0.01)


def test_unknown_names_never_become_paths():
    with pytest.raises(KeyError, match="no zoo model named"):
        zoo.load("../../etc")


def test_the_readme_table_gives_each_kind_its_own_figure_and_the_2006_reference():
    entries = zoo.read_manifest()
    table = zoo.markdown_table(entries, zoo.read_references()).splitlines()
    assert len(table) == 2 + len(entries) + len(zoo.read_references())
    rows = {row.split(" | ")[0].strip("| "): row for row in table[2:]}
    assert "NLL" in rows["vae-bin-50"] and "k=5000" in rows["vae-bin-50"]
    assert "-ELBO" in rows["vae-32"] and "noisy" in rows["denoise-32"]
    assert "| 3.00 |" in rows["*deep autoencoder, 2006*"]  # the paper's unit: per image
