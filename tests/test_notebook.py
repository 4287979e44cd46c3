"""notebooks/seed.ipynb: committed without outputs, and it runs top to bottom."""

from __future__ import annotations

import base64

import nbformat
import pytest

from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "seed.ipynb"


def test_the_notebook_is_valid_and_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)
    assert "parameters" in code[0].metadata.get("tags", [])  # where a runner sets the epochs


def test_the_notebook_follows_the_seeds_recipe():
    source = "\n".join(cell.source for cell in nbformat.read(NOTEBOOK, as_version=4).cells)
    for step in (
        'Dense(64, activation="relu")',
        'Dense(32, activation="relu")',
        'Dense(784, activation="sigmoid")',
        'optimizer="adam", loss="binary_crossentropy"',
        "batch_size=256",
        "AUTOENCODER_DATA_DIR",
        "import matplotlib.pyplot as plt",
        "zoo.load(",
    ):
        assert step in source


@pytest.mark.slow
def test_the_notebook_runs_top_to_bottom(mnist_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(mnist_path.parent))
    monkeypatch.setenv("NOTEBOOK_EPOCHS", "1")
    monkeypatch.setenv("NOTEBOOK_ZOO_IMAGES", "500")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # importing streamlit sets it to Agg
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},  # as Jupyter runs it
    ).execute()
    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    text = "".join(output.get("text", "") for output in outputs)
    assert "235/235" in text and "val_loss:" in text  # one epoch of 60,000 in batches of 256
    assert "after 1 epochs: test MSE" in text
    assert "conv-32        code 32" in text and "pca-64" in text
    pictures = [
        base64.b64decode(output.data["image/png"])
        for output in outputs
        if output.output_type == "display_data" and "image/png" in output.data
    ]
    assert len(pictures) == 2  # originals above reconstructions; PSNR against code size
    assert all(picture.startswith(b"\x89PNG") for picture in pictures)
