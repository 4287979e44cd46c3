"""Build and train the autoencoder with Keras. The only module that imports TensorFlow.

Keras is imported inside the functions, so importing this module is free and
serving code (which never trains) never loads TensorFlow.
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from autoencoder import metrics
from autoencoder.config import INPUT_DIM, Config
from autoencoder.data import Dataset
from autoencoder.network import DECODER_LAYERS, ENCODER_LAYERS, Autoencoder

if TYPE_CHECKING:
    import keras

# The model is tiny, so per-step overhead dominates; running 32 steps per call
# into an XLA-compiled function is ~3x faster than fit() on NumPy arrays here
# (benchmarks/train_speed.py).
STEPS_PER_EXECUTION = 32
VALIDATION_BATCH = 1024


@dataclass(frozen=True)
class EpochReport:
    """What the progress hook receives after each epoch (epochs count from 1)."""

    epoch: int
    epochs: int
    loss: float
    val_loss: float
    seconds: float


def build_keras_models(config: Config) -> tuple[keras.Model, keras.Model, keras.Model]:
    """The Keras autoencoder and its named ``encoder`` and ``decoder`` sub-models."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    image = keras.Input(shape=(INPUT_DIM,), name="image")
    hidden = keras.layers.Dense(config.hidden_units, activation="relu", name=ENCODER_LAYERS[0])(
        image
    )
    code = keras.layers.Dense(config.latent_dim, activation="relu", name=ENCODER_LAYERS[1])(hidden)
    encoder = keras.Model(image, code, name="encoder")

    code_input = keras.Input(shape=(config.latent_dim,), name="code")
    hidden = keras.layers.Dense(config.hidden_units, activation="relu", name=DECODER_LAYERS[0])(
        code_input
    )
    output = keras.layers.Dense(INPUT_DIM, activation="sigmoid", name=DECODER_LAYERS[1])(hidden)
    decoder = keras.Model(code_input, output, name="decoder")

    autoencoder = keras.Model(image, decoder(encoder(image)), name="autoencoder")
    return autoencoder, encoder, decoder


def to_keras(model: Autoencoder) -> keras.Model:
    """A Keras autoencoder holding ``model``'s weights (to check or keep training)."""
    autoencoder, encoder, decoder = build_keras_models(model.config)
    _set_weights(encoder, decoder, model.weights)
    return autoencoder


def train(
    dataset: Dataset,
    config: Config | None = None,
    *,
    on_epoch_end: Callable[[EpochReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    train_limit: int | None = None,
) -> Autoencoder:
    """Train on ``dataset.train``, validating on ``dataset.test``.

    Returns the weights of the epoch with the lowest validation loss (the last
    one, in a normal run). ``on_epoch_end`` is called after every epoch;
    ``should_stop`` is polled after every epoch and ends training early when it
    returns True. ``train_limit`` trains on the first N images only (quick runs).
    """
    config = config or Config()
    if dataset.train is None:
        raise ValueError("the dataset was loaded without its training split")
    if train_limit is not None and train_limit < 1:
        raise ValueError(f"train_limit must be positive, got {train_limit}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(config.seed)
    train_images = dataset.train.images[:train_limit]
    test_images = dataset.test.images

    autoencoder, encoder, decoder = build_keras_models(config)
    autoencoder.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate),
        loss="binary_crossentropy",
        jit_compile=True,
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    # Shuffle indices and gather each batch on tf.data's threads, ahead of the
    # step that uses it (benchmarks/train_speed.py).
    images = tf.constant(train_images)
    training_data = (
        tf.data.Dataset.range(len(train_images))
        .shuffle(len(train_images), seed=config.seed, reshuffle_each_iteration=True)
        .batch(config.batch_size)
        .map(
            lambda indices: _pair(tf.gather(images, indices)),
            num_parallel_calls=tf.data.AUTOTUNE,  # gather the next batches while this one trains
            deterministic=True,  # same order for the same seed
        )
        .prefetch(tf.data.AUTOTUNE)
    )
    validation_data = (
        tf.data.Dataset.from_tensor_slices(test_images)
        .batch(VALIDATION_BATCH)
        .map(_pair)
        .prefetch(tf.data.AUTOTUNE)
    )
    progress = _Progress(config.epochs, encoder, decoder, on_epoch_end, should_stop)
    started = time.perf_counter()
    autoencoder.fit(
        training_data,
        epochs=config.epochs,
        validation_data=validation_data,
        callbacks=[progress.callback(autoencoder)],
        shuffle=False,  # the tf.data pipeline reshuffles every epoch
        verbose=0,
    )
    training_seconds = time.perf_counter() - started
    if progress.best_weights is None:
        raise RuntimeError("training stopped before the first epoch finished")

    model = Autoencoder(config=config, weights=progress.best_weights)
    summary = metrics.summarize(test_images, model.reconstruct(test_images))
    record: dict[str, Any] = {
        "dataset": {
            "name": dataset.name,
            "sha256": dataset.sha256,
            "train_images": len(train_images),
            "test_images": len(test_images),
        },
        "history": progress.history,
        "best_epoch": progress.best_epoch,
        "stopped_early": len(progress.history["loss"]) < config.epochs,
        "training_seconds": round(training_seconds, 2),
        "trained_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "metrics": summary,
    }
    return Autoencoder(config=config, weights=model.weights, record=record)


def _pair(batch: Any) -> tuple[Any, Any]:
    return batch, batch  # an autoencoder's target is its input


def _set_weights(
    encoder: keras.Model, decoder: keras.Model, weights: dict[str, np.ndarray]
) -> None:
    for sub_model, names in ((encoder, ENCODER_LAYERS), (decoder, DECODER_LAYERS)):
        for name in names:
            sub_model.get_layer(name).set_weights(
                [weights[f"{name}.kernel"], weights[f"{name}.bias"]]
            )


def _get_weights(encoder: keras.Model, decoder: keras.Model) -> dict[str, np.ndarray]:
    weights = {}
    for sub_model, names in ((encoder, ENCODER_LAYERS), (decoder, DECODER_LAYERS)):
        for name in names:
            kernel, bias = sub_model.get_layer(name).get_weights()
            weights[f"{name}.kernel"] = np.array(kernel)
            weights[f"{name}.bias"] = np.array(bias)
    return weights


class _Progress:
    """Per-epoch bookkeeping: timing, history, best weights, the stop request."""

    def __init__(
        self,
        epochs: int,
        encoder: keras.Model,
        decoder: keras.Model,
        on_epoch_end: Callable[[EpochReport], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.epochs = epochs
        self.encoder = encoder
        self.decoder = decoder
        self.report = on_epoch_end
        self.should_stop = should_stop
        self.history: dict[str, list[float]] = {"loss": [], "val_loss": [], "seconds": []}
        self.best_weights: dict[str, np.ndarray] | None = None
        self.best_epoch = 0
        self._started = 0.0

    def callback(self, model: keras.Model) -> keras.callbacks.Callback:
        import keras

        def begin(epoch: int, logs: dict[str, float] | None = None) -> None:
            self._started = time.perf_counter()

        def end(epoch: int, logs: dict[str, float] | None = None) -> None:
            seconds = time.perf_counter() - self._started
            logs = logs or {}
            loss, val_loss = float(logs["loss"]), float(logs["val_loss"])
            self.history["loss"].append(round(loss, 6))
            self.history["val_loss"].append(round(val_loss, 6))
            self.history["seconds"].append(round(seconds, 3))
            if self.best_weights is None or val_loss < min(self.history["val_loss"][:-1]):
                self.best_weights = _get_weights(self.encoder, self.decoder)
                self.best_epoch = epoch + 1
            if self.report is not None:
                self.report(EpochReport(epoch + 1, self.epochs, loss, val_loss, seconds))
            if self.should_stop is not None and self.should_stop():
                model.stop_training = True

        return keras.callbacks.LambdaCallback(on_epoch_begin=begin, on_epoch_end=end)
