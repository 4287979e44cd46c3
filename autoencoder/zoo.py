"""The model zoo: a declared list of models, trained once and shipped in assets/zoo/.

``ZOO`` is the list; ``build`` trains (or, for PCA, computes) each one with a
fixed seed into ``assets/zoo/<name>/`` and records it in ``manifest.json``:
family, code size, dataset, a one-line description, test figures and
training time. The app reads the manifest and loads a model only when a
visitor asks for it.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autoencoder import manifest
from autoencoder.artifact import DEFAULT_MODEL_DIR, load_model, save_model
from autoencoder.config import Config
from autoencoder.data import load_dataset
from autoencoder.evaluation import evaluate
from autoencoder.files import atomic_write_bytes
from autoencoder.narrowing import narrowed_weights
from autoencoder.network import Autoencoder
from autoencoder.training import EpochReport
from autoencoder.units import REFERENCES

ZOO_DIR = Path(__file__).resolve().parent.parent / "assets" / "zoo"
MANIFEST = "manifest.json"
DEFAULT_NAME = "dense-32"  # the seed's network, the app's default model
DEEP = (256, 128)
CONV = (16, 32)  # a third of (32, 64)'s CPU time per epoch, so more epochs fit in the build
# A binarised VAE's NLL (k = 5000) is estimated on all 10,000 test images, as papers
# report it: 15 minutes of this 2-core machine on top of the training (None: all).
NLL_IMAGES: int | None = None
NARROW = 10_000  # training images whose codes give the main directions of a narrowed code
WIDE = (32, 64)  # the conv family's default channels: for the models that chase the records


@dataclass(frozen=True)
class ZooEntry:
    name: str
    description: str
    config: Config
    copy_of: Path | None = None  # ship an existing model folder byte for byte
    # A zoo model (built first) whose code, narrowed to this size, starts the training.
    start_from: str | None = None


def _entries() -> list[ZooEntry]:
    entries = [
        ZooEntry(
            f"dense-{size}",
            f"The seed's network (784-64-{size}-64-784, ReLU code) with a code of {size}.",
            Config(latent_dim=size),
            copy_of=DEFAULT_MODEL_DIR if size == 32 else None,
        )
        for size in (2, 4, 8, 16, 32, 64)
    ]
    conv_epochs = {2: 10, 8: 10, 16: 10, 32: 30}
    entries += [
        ZooEntry(
            f"conv-{size}",
            f"Convolutional: two stride-2 convolutions to a linear code of {size}, mirrored back.",
            Config.for_family("conv", filters=CONV, latent_dim=size, epochs=epochs, batch_size=128),
        )
        for size, epochs in conv_epochs.items()
    ]
    entries += [
        *(
            ZooEntry(
                f"conv-wide-{size}",
                f"Convolutional, twice the channels (32, 64) and a dense layer of 128 on each "
                f"side of a linear code of {size}; {epochs} epochs, learning rate decaying "
                "to zero.",
                Config.for_family(
                    "conv",
                    filters=WIDE,
                    hidden_units=(128,),
                    latent_dim=size,
                    epochs=epochs,
                    batch_size=128,
                    schedule="cosine",
                ),
            )
            for size, epochs in ((32, 100),)
        ),
        ZooEntry(
            "conv-wide-30",
            "conv-wide-32 with its code narrowed to its 30 main directions, then fine-tuned "
            "8 epochs: a code of 30, as the 2006 deep autoencoder's.",
            Config.for_family(
                "conv",
                filters=WIDE,
                hidden_units=(128,),
                latent_dim=30,
                epochs=8,
                batch_size=128,
                learning_rate=5e-4,
                schedule="cosine",
            ),
            start_from="conv-wide-32",
        ),
        ZooEntry(
            "deep-32",
            "Deep dense: 784-256-128-32 and back, linear code.",
            Config(hidden_units=DEEP, code_activation="linear", epochs=50),
        ),
        ZooEntry(
            "denoise-32",
            "Denoising deep dense: trained to rebuild clean digits from ones with Gaussian "
            "noise (std 0.5).",
            Config(
                hidden_units=DEEP,
                code_activation="linear",
                noise="gaussian",
                noise_level=0.5,
                epochs=50,
            ),
        ),
        ZooEntry(
            "vae-2",
            "Variational, 2-number code: its decoded plane is a map of the digits.",
            Config(
                hidden_units=DEEP,
                latent_dim=2,
                code_activation="linear",
                variational=True,
                epochs=50,
            ),
        ),
        ZooEntry(
            "vae-32",
            "Variational, 32-number code: sample the prior and get digits.",
            Config(
                hidden_units=DEEP,
                latent_dim=32,
                code_activation="linear",
                variational=True,
                epochs=50,
            ),
        ),
        ZooEntry(
            "vae-bin-50",
            "Variational, 50-number code, trained on MNIST binarised anew every epoch with a "
            "Bernoulli decoder: its likelihood is in the units of VAE papers.",
            Config(
                hidden_units=(512, 256),
                latent_dim=50,
                code_activation="linear",
                variational=True,
                binarize=True,
                epochs=130,
                batch_size=128,
                schedule="cosine",
            ),
        ),
        ZooEntry(
            "fashion-conv-32",
            "Convolutional, code of 32, trained on Fashion-MNIST clothes.",
            Config.for_family(
                "conv",
                filters=CONV,
                latent_dim=32,
                epochs=12,
                batch_size=128,
                dataset="fashion_mnist",
            ),
        ),
    ]
    entries += [
        ZooEntry(
            f"pca-{size}",
            f"PCA baseline: the best linear code of {size} numbers, in closed form.",
            Config.for_family("pca", latent_dim=size),
        )
        for size in (2, 4, 8, 16, 32, 64)
    ]
    entries.append(
        ZooEntry(
            "fashion-pca-8",
            "PCA of Fashion-MNIST clothes, 8 numbers: the background model of the clothes "
            "detector's likelihood-ratio score.",
            Config.for_family("pca", latent_dim=8, dataset="fashion_mnist"),
        )
    )
    return entries


ZOO: tuple[ZooEntry, ...] = tuple(_entries())


def entry(name: str) -> ZooEntry:
    for candidate in ZOO:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no zoo model named {name!r}; see `python -m autoencoder zoo list`")


def read_manifest(folder: Path | None = None) -> list[dict[str, Any]]:
    """The built models' entries, in ZOO order (empty if nothing is built)."""
    path = (folder or ZOO_DIR) / MANIFEST
    try:
        models = json.loads(path.read_text())["models"]
    except FileNotFoundError:
        return []
    order = {item.name: index for index, item in enumerate(ZOO)}
    return sorted(models, key=lambda model: order.get(model["name"], len(order)))


def read_references(folder: Path | None = None) -> list[dict[str, Any]]:
    """Published results the rate-distortion chart marks beside the zoo (the 2006 deep
    autoencoder): name, latent_dim, dataset, squared_error per image, mse, psnr."""
    path = (folder or ZOO_DIR) / MANIFEST
    try:
        return list(json.loads(path.read_text()).get("references", []))
    except FileNotFoundError:
        return []


def markdown_table(entries: Sequence[dict[str, Any]], references: Sequence[dict[str, Any]]) -> str:
    """The README's zoo table from manifest entries, with the published references below.

    Squared error is per image (the 2006 paper's unit: mean squared error x 784);
    "other" holds each kind's own figure (a VAE's -ELBO and, binarised, its
    importance-sampled NLL; a denoiser's PSNR on noisy input).
    """
    rows = [
        "| model | family | code | dataset | params | BCE | MSE | sq. err / image | PSNR (dB) "
        "| other | train s |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for item in entries:
        figures = item["metrics"]
        family = item["kind"] + (" (denoising)" if item.get("denoising") else "")
        rows.append(
            f"| {item['name']} | {family} | {item['latent_dim']} | {item['dataset']} "
            f"| {item['parameters']:,} | {figures['val_bce']:.4f} | {figures['mse']:.4f} "
            f"| {figures['squared_error']:.2f} | {figures['psnr']:.2f} | {_other(figures)} "
            f"| {item['training_seconds']:.0f} |"
        )
    for reference in references:
        rows.append(
            f"| *{reference['name']}* | {reference['architecture']} | {reference['latent_dim']} "
            f"| {reference['dataset']} | | | {reference['mse']:.4f} "
            f"| {reference['squared_error']:.2f} | {reference['psnr']:.2f} "
            f"| {reference['citation']} | |"
        )
    return "\n".join(rows)


def _other(figures: dict[str, Any]) -> str:
    if "nll" in figures:
        return (
            f"-ELBO {figures['neg_elbo']:.1f}, NLL {figures['nll']:.2f} nats "
            f"(k={figures['nll_samples']}, {figures['nll_images']:,} images)"
        )
    if "neg_elbo" in figures:
        return f"-ELBO {figures['neg_elbo']:.1f} nats"
    if "denoised_psnr" in figures:
        return f"noisy {figures['noisy_input_psnr']:.1f} → {figures['denoised_psnr']:.1f} dB"
    return ""


def load(name: str, folder: Path | None = None) -> Autoencoder:
    """A zoo model by name (its folder under assets/zoo)."""
    entry(name)  # an unknown name never becomes a path
    return load_model((folder or ZOO_DIR) / name, shown_as=f"the zoo model {name}")


def manifest_entry(item: ZooEntry, model: Autoencoder, metrics: dict[str, Any]) -> dict[str, Any]:
    return manifest.entry(
        model.config,
        name=item.name,
        parameters=model.parameters,
        record=model.record,
        description=item.description,
        metrics=metrics,
        binarized=model.config.binarize,  # its figures are on the binarised test set
    )


def build(
    names: Sequence[str] | None = None,
    data_dir: Path | None = None,
    out: Path | None = None,
) -> list[dict[str, Any]]:
    """Train the zoo (or the named models), one at a time, updating the manifest after each."""
    from autoencoder.training import train

    folder = out or ZOO_DIR
    folder.mkdir(parents=True, exist_ok=True)
    chosen = [entry(name) for name in names] if names else list(ZOO)
    datasets: dict[str, Any] = {}
    for item in chosen:
        name = item.config.dataset
        if name not in datasets:
            path = Path(data_dir) / f"{name}.npz" if data_dir else None
            datasets = {name: load_dataset(name, path)}  # one dataset in memory at a time
        dataset = datasets[name]
        started = time.perf_counter()
        target = folder / item.name
        if item.copy_of is not None:
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(item.copy_of, target)
            model = load_model(target)
            metrics = evaluate(model, dataset.test)
        else:
            start = None
            if item.start_from is not None:
                base = load(item.start_from, folder)
                start = narrowed_weights(
                    base, item.config.latent_dim, dataset.train.pixels[:NARROW]
                )
            trained = train(
                dataset, item.config, on_epoch_end=_print_epoch(item.name), initial_weights=start
            )
            # The record keeps the manifest's figures (training skips the slow NLL).
            metrics = evaluate(trained, dataset.test, nll_images=NLL_IMAGES)
            record = {
                **trained.record,
                "name": item.name,
                "description": item.description,
                "metrics": metrics,
            }
            model = Autoencoder(config=trained.config, weights=trained.weights, record=record)
            save_model(model, target)
        _update_manifest(folder, manifest_entry(item, model, metrics))
        print(
            f"{item.name}: psnr {metrics['psnr']:.2f} dB, bce {metrics['val_bce']:.4f} "
            f"({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    return read_manifest(folder)


def _print_epoch(name: str) -> Callable[[EpochReport], None]:
    def report(epoch: EpochReport) -> None:
        print(
            f"  {name} epoch {epoch.epoch}/{epoch.epochs}: loss {epoch.loss:.4f}, "
            f"val_loss {epoch.val_loss:.4f}, {epoch.seconds:.0f} s",
            flush=True,
        )

    return report


def _update_manifest(folder: Path, model_entry: dict[str, Any]) -> None:
    # Builds of different models may run at once: one read-modify-write at a time.
    with open(folder / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        models = [model for model in read_manifest(folder) if model["name"] != model_entry["name"]]
        models.append(model_entry)
        order = {item.name: index for index, item in enumerate(ZOO)}
        models.sort(key=lambda model: order.get(model["name"], len(order)))
        references = [reference.to_dict() for reference in REFERENCES]
        text = json.dumps({"models": models, "references": references}, indent=1) + "\n"
        atomic_write_bytes(folder / MANIFEST, text.encode())
