import pytest

from autoencoder.config import Config


def test_defaults_are_the_reference_recipe():
    config = Config()
    assert (config.hidden_units, config.latent_dim) == (64, 32)
    assert (config.epochs, config.batch_size, config.learning_rate) == (25, 256, 1e-3)
    assert config.dataset == "mnist"


def test_round_trips_through_a_dict():
    config = Config(latent_dim=8, dataset="fashion_mnist", learning_rate=0.01)
    assert Config.from_dict(config.to_dict()) == config


def test_is_frozen():
    with pytest.raises(AttributeError):
        Config().latent_dim = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "values",
    [
        {"latent_dim": 0},
        {"hidden_units": -5},
        {"epochs": 2.5},
        {"batch_size": True},
        {"learning_rate": 0},
        {"learning_rate": 3},
        {"dataset": "cifar10"},
    ],
)
def test_rejects_bad_values(values):
    with pytest.raises(ValueError, match=next(iter(values))):
        Config(**values)


def test_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown config keys: dropout"):
        Config.from_dict({"latent_dim": 4, "dropout": 0.5})
