"""One exception family: every error the package raises on purpose is an AutoencoderError,
and each keeps the built-in base its callers catch."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import autoencoder
from autoencoder.errors import AutoencoderError

# Modules that import TensorFlow when imported: their errors are checked by name below.
SKIPPED = {"autoencoder.training", "autoencoder.__main__", "autoencoder.cli"}


def package_exceptions() -> dict[str, type[BaseException]]:
    found = {}
    for module_info in pkgutil.walk_packages(autoencoder.__path__, "autoencoder."):
        if module_info.name in SKIPPED:
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found[f"{module.__name__}.{name}"] = value
    return found


def test_every_public_exception_of_the_package_is_an_autoencoder_error():
    found = package_exceptions()
    assert "autoencoder.artifact.ModelLoadError" in found
    assert "autoencoder.jobs.limits.ServerBusyError" in found
    outside = [name for name, cls in found.items() if not issubclass(cls, AutoencoderError)]
    assert not outside


@pytest.mark.parametrize(
    ("path", "builtin"),
    [
        ("autoencoder.artifact.ModelLoadError", ValueError),
        ("autoencoder.files.BadFileError", ValueError),
        ("autoencoder.export.UnsupportedModelError", ValueError),
        ("autoencoder.preprocess.ImageError", ValueError),
        ("autoencoder.data.DatasetUnavailableError", RuntimeError),
        ("autoencoder.jobs.limits.OutsideLimitsError", ValueError),
    ],
)
def test_each_keeps_the_builtin_base_callers_catch(path, builtin):
    module, name = path.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, AutoencoderError) and issubclass(cls, builtin)
