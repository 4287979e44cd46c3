"""Every page opened with edge models as the visitor's own: a code of one number, a code
whose every unit is dead, models at the Config bounds, a VAE, PCA, a Fashion-MNIST model.
No page may show an exception box."""

from __future__ import annotations

import numpy as np
import pytest

from autoencoder import config as bounds
from autoencoder.config import Config
from autoencoder.network import Autoencoder, weight_shapes
from tests.views.conftest import open_app

PAGES = [
    "views/draw.py", "views/samples.py", "views/latent.py", "views/denoise.py",
    "views/generate.py", "views/compare.py", "views/detect.py", "views/train.py",
]  # fmt: skip
LATENT_MODES = ["Sliders", "Main directions", "Interpolate", "Map", "Random codes"]


def weights_of(config: Config, scale: float, seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights of the shapes ``config`` asks for, built in NumPy (nothing trains)."""
    rng = np.random.default_rng(seed)
    return {
        name: rng.normal(0, scale, size=shape).astype(np.float32)
        for name, shape in weight_shapes(config).items()
    }


def model_of(config: Config, scale: float = 0.1) -> Autoencoder:
    return Autoencoder(config=config, weights=weights_of(config, scale), record={})


def all_dead() -> Autoencoder:
    """ReLU codes whose every unit is 0 for every image."""
    config = Config(hidden_units=(16,), latent_dim=4)
    weights = weights_of(config, 0.1)
    weights["latent.bias"] = np.full_like(weights["latent.bias"], -1e3)
    return Autoencoder(config=config, weights=weights, record={})


def at_the_bounds(family: str, *, variational: bool) -> Autoencoder:
    """Every size at its Config bound that the cost bounds leave room for (a dense VAE of
    two 1024-wide layers and a 128-number code is past the parameter bound)."""
    sizes = {"dense": {"hidden_units": (bounds.MAX_WIDTH,) * 2}, "conv": {"filters": (64, 128)}}
    config = Config.for_family(
        family,
        **sizes[family],
        latent_dim=bounds.MAX_LATENT_DIM,
        epochs=bounds.MAX_EPOCHS,
        batch_size=bounds.MAX_BATCH_SIZE,
        seed=bounds.MAX_SEED,
        code_activation="linear",
        variational=variational,
        beta=bounds.MAX_BETA,
    )
    return model_of(config, scale=0.01)


EDGE_MODELS = {
    "code-of-1": lambda: model_of(Config(hidden_units=(16,), latent_dim=1)),
    "all-dead": all_dead,
    "vae": lambda: model_of(
        Config(hidden_units=(16,), latent_dim=2, code_activation="linear", variational=True)
    ),
    "pca": lambda: model_of(Config.for_family("pca", latent_dim=2)),
    "fashion": lambda: model_of(Config(hidden_units=(16,), latent_dim=3, dataset="fashion_mnist")),
    "dense-bounds": lambda: at_the_bounds("dense", variational=False),
    "conv-vae-bounds": lambda: at_the_bounds("conv", variational=True),
}


def drawing() -> np.ndarray:
    digit = np.zeros((28, 28), dtype=np.float32)
    digit[5:23, 12:16] = 1.0  # a "1"
    return digit


def assert_no_exception(app, where: str) -> None:
    assert not app.exception, (where, [exception.value for exception in app.exception])


def sweep(model: Autoencoder, pages: list[str]) -> None:
    app = open_app(pages[0], own_model=model, drawing=drawing())
    for page in pages:
        app.switch_page(page).run()
        assert_no_exception(app, page)
        if page == "views/latent.py":
            for mode in LATENT_MODES:
                app.segmented_control(key="latent_mode").set_value(mode).run()
                assert_no_exception(app, mode)
        offered = app.selectbox(key="detect_model").options if page == "views/detect.py" else []
        if any(option.startswith("your model") for option in offered):  # labels, not values
            app.selectbox(key="detect_model").set_value("your model").run()
            assert_no_exception(app, "detect: your model")


def test_a_code_of_one_number_explores_in_every_mode():
    sweep(EDGE_MODELS["code-of-1"](), ["views/latent.py"])


@pytest.mark.slow  # every page with every edge model: minutes on a loaded machine
@pytest.mark.parametrize("name", list(EDGE_MODELS))
def test_every_page_takes_an_edge_model(name):
    sweep(EDGE_MODELS[name](), PAGES)
