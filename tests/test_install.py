"""``pip install .`` in a fresh venv: the package, its data files, the ``autoencoder`` command."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # builds a wheel and installs it (about 10 s)


def run(*command: str | Path, cwd: Path) -> str:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd, timeout=600
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv with the project installed from a copy of its files (the build writes beside them)."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "autoencoder", source / "autoencoder", ignore=shutil.ignore_patterns("__pycache__")
    )
    venv = work / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=work)
    python = venv / "bin" / "python"
    # The dependencies come from this interpreter's packages (no download): a .pth file puts
    # them on the new venv's path, where pip sees them installed. The project itself is built.
    new_site = run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work
    )
    (Path(new_site.strip()) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"])
    run(python, "-m", "pip", "install", "--quiet", ".", cwd=source)
    return venv


def test_the_command_is_python_m_autoencoder(installed, tmp_path):
    help_text = run(installed / "bin" / "autoencoder", "--help", cwd=tmp_path)
    assert help_text == run(
        installed / "bin" / "python", "-m", "autoencoder", "--help", cwd=tmp_path
    )
    for command in ("train", "evaluate", "zoo", "export"):
        assert command in help_text
    assert "--out FILE" in run(installed / "bin" / "autoencoder", "export", "--help", cwd=tmp_path)


def test_the_installed_package_is_the_one_imported_and_carries_its_files(installed, tmp_path):
    code = (
        "import autoencoder, sys\n"
        "from importlib import metadata, resources\n"
        "print(autoencoder.__file__)\n"
        "print(resources.files('autoencoder').joinpath('bundle', 'example.py').is_file())\n"
        "print('|'.join(metadata.requires('autoencoder-demo')))\n"
        "from autoencoder import keras_file, letters, jobs\n"  # every module, sub-packages too
        "assert 'tensorflow' not in sys.modules\n"
    )
    lines = run(installed / "bin" / "python", "-c", code, cwd=tmp_path).splitlines()
    assert lines[0].startswith(str(installed)) and "site-packages" in lines[0]
    assert lines[1] == "True"
    requirements = {re.split("[<>=;]", line)[0]: line for line in lines[2].split("|")}
    assert "extra" not in requirements["numpy"]  # serving needs NumPy alone
    assert 'extra == "train"' in requirements["tensorflow"]
    assert 'extra == "app"' in requirements["streamlit"]


def test_nothing_but_the_package_is_installed(installed, tmp_path):
    code = (
        "from importlib import metadata\n"
        "print(sorted({file.parts[0] for file in metadata.files('autoencoder-demo')}))\n"
    )
    top = run(installed / "bin" / "python", "-c", code, cwd=tmp_path).strip()
    assert top == "['..', 'autoencoder', 'autoencoder_demo-0.1.0.dist-info']"  # '..': bin/
