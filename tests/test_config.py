import pytest

from autoencoder.config import MAX_LATENT_DIM, MAX_WIDTH, Config


def test_defaults_are_the_reference_recipe():
    config = Config()
    assert (config.family, config.hidden_units, config.latent_dim) == ("dense", (64,), 32)
    assert (config.epochs, config.batch_size, config.learning_rate) == (25, 256, 1e-3)
    assert (config.dataset, config.code_activation, config.kind) == ("mnist", "relu", "dense")
    assert config.describe() == "784 → 64 → **32** → 64 → 784"


@pytest.mark.parametrize(
    "config",
    [
        Config(latent_dim=8, dataset="fashion_mnist", learning_rate=0.01),
        Config.for_family("conv", latent_dim=16),
        Config(hidden_units=(256, 128), code_activation="linear", variational=True, beta=2.0),
        Config(hidden_units=(64,), noise="gaussian", noise_level=0.5),
        Config.for_family("pca", latent_dim=4),
    ],
)
def test_round_trips_through_a_dict(config):
    assert Config.from_dict(config.to_dict()) == config


def test_files_from_before_families_load_as_the_seed_network():
    legacy = {"hidden_units": 64, "latent_dim": 32, "epochs": 25, "batch_size": 256,
              "learning_rate": 0.001, "dataset": "mnist", "seed": 0}  # fmt: skip
    assert Config.from_dict(legacy) == Config()


def test_family_defaults():
    conv = Config.for_family("conv", latent_dim=8)
    assert (conv.filters, conv.hidden_units, conv.code_activation) == ((32, 64), (), "linear")
    assert conv.describe().startswith("28x28x1 → 14x14x32 → 7x7x64 → **8**")
    assert Config.for_family("pca", latent_dim=2).kind == "pca"
    assert Config(code_activation="linear", variational=True).kind == "vae"


def test_is_frozen():
    with pytest.raises(AttributeError):
        Config().latent_dim = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "values",
    [
        {"latent_dim": 0},
        {"latent_dim": MAX_LATENT_DIM + 1},  # a crafted file declaring a code of 5,000
        {"latent_dim": 2_000_000},
        {"hidden_units": (-5,)},
        {"hidden_units": (MAX_WIDTH + 1,)},
        {"hidden_units": (64,) * 5},
        {"filters": (32, 64, 128)},
        {"epochs": 2.5},
        {"epochs": 10**6},
        {"batch_size": True},
        {"learning_rate": 0},
        {"learning_rate": 3},
        {"learning_rate": float("nan")},
        {"beta": float("inf")},
        {"dataset": "cifar10"},
        {"schedule": "step"},
        {"family": "transformer"},
        {"noise": "gaussian", "noise_level": 2.0},
        {"noise_level": 0.3},
        {"variational": True},  # a VAE's code must be linear
        {"variational": "yes"},
    ],
)
def test_rejects_bad_values(values):
    field = next(iter(values))
    with pytest.raises(ValueError, match=field.split("_level")[0] if "noise" in field else field):
        Config(**values)


def test_messages_never_print_huge_values():
    with pytest.raises(ValueError, match="a huge integer"):
        Config.from_dict({"latent_dim": 10**400})


def test_family_and_layers_must_agree():
    with pytest.raises(ValueError, match="conv model needs filters"):
        Config(family="conv", hidden_units=())
    with pytest.raises(ValueError, match="dense model needs hidden_units and no filters"):
        Config(filters=(32,))
    with pytest.raises(ValueError, match="pca model"):
        Config(family="pca", code_activation="linear")


def test_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown config keys: dropout"):
        Config.from_dict({"latent_dim": 4, "dropout": 0.5})


def test_a_model_is_bounded_by_its_parameters_whatever_its_layer_sizes():
    # Every size is within its own bound; together they are 8 million parameters.
    with pytest.raises(ValueError, match=r"8,168,336 parameters; at most 4,000,000"):
        Config(hidden_units=(1024, 1024, 1024, 1024), latent_dim=128)


def test_a_model_is_bounded_by_its_multiply_adds_per_image():
    # 1.9 million parameters, but 128 filters on 14x14 and 7x7 grids, each way: 16.5 million.
    with pytest.raises(ValueError, match=r"multiply-adds per image; at most 16,000,000"):
        Config.for_family("conv", filters=(128, 128), hidden_units=(128,), latent_dim=2)


def test_the_largest_models_offered_fit_the_cost_bounds():
    Config.for_family("conv", filters=(32, 64), latent_dim=128, variational=True)
    Config(hidden_units=(1000, 500, 250), code_activation="linear", latent_dim=30)
