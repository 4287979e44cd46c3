"""Build and train any family with Keras. The only module that imports TensorFlow.

Keras is imported inside the functions, so importing this module is free and
serving code (which never trains) never loads TensorFlow. The layers come
from network.py's lists (one description of the architecture, read here and
by the NumPy forward pass), and keep their names in the saved weights.
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from autoencoder import evaluation
from autoencoder.config import IMAGE_SIDE, INPUT_DIM, Config
from autoencoder.data import Dataset
from autoencoder.network import (
    KERNEL,
    Autoencoder,
    Layer,
    code_layers,
    conv_grid,
    decoder_layers,
    encoder_layers,
)

if TYPE_CHECKING:
    import keras

# The dense models are small, so per-step overhead dominates: 32 steps per call
# over a tf.data pipeline, and the step compiled by XLA, make an epoch 1.3x to 2x
# faster than fit() on NumPy arrays here, a good part of it XLA's. XLA's
# compiler costs about 170 MB at a run's peak, though (its first compile), and
# convolutions gain nothing clear from it, so conv models go without it, and so
# do the web app's runs, where memory is the budget (benchmarks/train_speed.py,
# benchmarks/train_memory.py).
STEPS_PER_EXECUTION = 32
VALIDATION_BATCH = 1024


def uses_xla(config: Config) -> bool:
    """Whether training compiles its step with XLA unless told (see the note above)."""
    return not config.filters


@dataclass(frozen=True)
class EpochReport:
    """What the progress hook receives after each epoch (epochs count from 1)."""

    epoch: int
    epochs: int
    loss: float
    val_loss: float
    seconds: float


def _keras_layer(layer: Layer) -> keras.layers.Layer:
    import keras

    if layer.kind == "dense":
        return keras.layers.Dense(layer.units, activation=layer.activation, name=layer.name)
    if layer.kind == "deconv":
        return keras.layers.Conv2DTranspose(
            layer.units, KERNEL, strides=2, padding="same", activation=layer.activation,
            name=layer.name,
        )  # fmt: skip
    return keras.layers.Conv2D(
        layer.units, KERNEL, strides=2, padding="same", activation=layer.activation,
        name=layer.name,
    )  # fmt: skip


def build_keras_models(config: Config) -> tuple[keras.Model, keras.Model, keras.Model]:
    """The Keras autoencoder and its named ``encoder`` and ``decoder`` sub-models.

    A VAE's encoder outputs [mean, log-variance]; its ``autoencoder`` decodes
    the mean (what serving does). Training adds the sampling (see ``train``).
    """
    if config.family == "pca":
        raise ValueError("a pca model is computed in closed form (autoencoder.pca), not trained")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    image = keras.Input(shape=(INPUT_DIM,), name="image")
    hidden = image
    if config.filters:
        hidden = keras.layers.Reshape((IMAGE_SIDE, IMAGE_SIDE, 1), name="to_grid")(hidden)
    for layer in encoder_layers(config):
        if layer.kind == "dense" and len(hidden.shape) > 2:
            hidden = keras.layers.Flatten(name="flatten")(hidden)
        hidden = _keras_layer(layer)(hidden)
    if len(hidden.shape) > 2:
        hidden = keras.layers.Flatten(name="flatten")(hidden)
    heads = [_keras_layer(layer)(hidden) for layer in code_layers(config)]
    encoder = keras.Model(image, heads if config.variational else heads[0], name="encoder")

    code = keras.Input(shape=(config.latent_dim,), name="code")
    hidden = code
    for layer in decoder_layers(config):
        if layer.kind == "deconv" and len(hidden.shape) == 2:
            side, channels = conv_grid(config)
            hidden = keras.layers.Reshape((side, side, channels))(hidden)
        hidden = _keras_layer(layer)(hidden)
    output = keras.layers.Reshape((INPUT_DIM,), name="flat")(hidden) if config.filters else hidden
    decoder = keras.Model(code, output, name="decoder")

    encoded = encoder(image)
    mean = encoded[0] if config.variational else encoded
    autoencoder = keras.Model(image, decoder(mean), name="autoencoder")
    return autoencoder, encoder, decoder


def _training_model(
    config: Config, encoder: keras.Model, decoder: keras.Model
) -> tuple[keras.Model, Any]:
    """What fit() trains, and its loss: BCE per pixel, plus beta * KL / 784 for a VAE.

    A VAE's model outputs the reconstruction of a sampled code with the KL
    term appended as a 785th column, so the loss stays a plain function (no
    custom train_step): mean BCE + beta * KL / 784 is the negative ELBO per pixel.
    """
    import keras
    from keras import ops

    image = keras.Input(shape=(INPUT_DIM,), name="image")
    if not config.variational:
        return keras.Model(image, decoder(encoder(image)), name="trainer"), "binary_crossentropy"

    class Sample(keras.layers.Layer):
        """Draw a code from N(mean, exp(log_var)) and report the KL to N(0, 1)."""

        def __init__(self, seed: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(seed)

        def call(self, inputs: list[Any]) -> list[Any]:
            mean, log_var = inputs
            noise = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
            kl = -0.5 * ops.sum(1 + log_var - ops.square(mean) - ops.exp(log_var), axis=1)
            return [mean + ops.exp(0.5 * log_var) * noise, ops.expand_dims(kl, 1)]

    code, kl = Sample(config.seed, name="sample")(encoder(image))
    output = keras.layers.Concatenate(name="with_kl")([decoder(code), kl])
    beta = float(config.beta)

    def negative_elbo_per_pixel(target: Any, prediction: Any) -> Any:
        reconstruction = prediction[:, :INPUT_DIM]
        bce = keras.losses.binary_crossentropy(target, reconstruction)
        return bce + beta * prediction[:, INPUT_DIM] / INPUT_DIM

    return keras.Model(image, output, name="trainer"), negative_elbo_per_pixel


def to_keras(model: Autoencoder) -> keras.Model:
    """A Keras autoencoder holding ``model``'s weights (to check or keep training)."""
    autoencoder, encoder, decoder = build_keras_models(model.config)
    _set_weights(model.config, encoder, decoder, model.weights)
    return autoencoder


def train(
    dataset: Dataset,
    config: Config | None = None,
    *,
    on_epoch_end: Callable[[EpochReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    train_limit: int | None = None,
    xla: bool | None = None,
    initial_weights: dict[str, np.ndarray] | None = None,
) -> Autoencoder:
    """Train on ``dataset.train``, validating on ``dataset.test``.

    Returns the weights of the epoch with the lowest validation loss (the last
    one, in a normal run). ``on_epoch_end`` is called after every epoch;
    ``should_stop`` is polled after every epoch and ends training early when it
    returns True. ``train_limit`` trains on the first N images only (quick runs).
    ``xla`` compiles the training step with XLA (default: ``uses_xla(config)``).
    ``initial_weights`` (named as network.py names them) start training instead
    of a random initialisation: a fine-tuning run.
    """
    config = config or Config()
    if dataset.train is None:
        raise ValueError("the dataset was loaded without its training split")
    if train_limit is not None and train_limit < 1:
        raise ValueError(f"train_limit must be positive, got {train_limit}")
    if config.family == "pca":
        from autoencoder.pca import fit_pca

        return fit_pca(dataset, config, train_limit=train_limit)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(config.seed)
    # uint8 until a batch needs it: 47 MB for 60,000 images instead of 188 MB.
    train_pixels = dataset.train.pixels[:train_limit]
    _autoencoder, encoder, decoder = build_keras_models(config)
    if initial_weights is not None:
        _set_weights(config, encoder, decoder, initial_weights)
    trainer, loss = _training_model(config, encoder, decoder)
    trainer.compile(
        optimizer=keras.optimizers.Adam(learning_rate=_learning_rate(config, len(train_pixels))),
        loss=loss,
        jit_compile=uses_xla(config) if xla is None else xla,
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    corrupt = _corruption(config)
    binarize = _binarization(config, len(train_pixels))

    def batch_of(indices: Any) -> Any:
        # Rows are gathered from the NumPy array itself: a tf.constant of it
        # would be a second copy of the training set (90 MB more at the peak).
        rows = tf.numpy_function(_rows_of(train_pixels), [indices], tf.uint8, stateful=False)
        return corrupt(binarize(_to_float(tf.ensure_shape(rows, [None, INPUT_DIM])), indices))

    # Gather each batch on tf.data's threads, ahead of the step that uses it.
    training_data = (
        _shuffled_batches(len(train_pixels), config.batch_size, config.seed)
        .map(
            batch_of,
            num_parallel_calls=tf.data.AUTOTUNE,  # gather the next batches while this one trains
            deterministic=True,  # same order for the same seed
        )
        .prefetch(tf.data.AUTOTUNE)
    )
    # Validation sees clean inputs: the loss then measures what serving does
    # (binarised once, with a fixed seed, for a model that trains on binary images).
    test_pixels = evaluation.test_pixels(config, dataset.test)
    validation_data = (
        tf.data.Dataset.from_tensor_slices(test_pixels)
        .batch(VALIDATION_BATCH)
        .map(lambda batch: (_to_float(batch), _to_float(batch)))
        .prefetch(tf.data.AUTOTUNE)
    )
    progress = _Progress(config, encoder, decoder, on_epoch_end, should_stop)
    started = time.perf_counter()
    trainer.fit(
        training_data,
        epochs=config.epochs,
        validation_data=validation_data,
        callbacks=[progress.callback(trainer)],
        shuffle=False,  # the tf.data pipeline reshuffles every epoch
        verbose=0,
    )
    training_seconds = time.perf_counter() - started
    if progress.best_weights is None:
        raise RuntimeError("training stopped before the first epoch finished")

    model = Autoencoder(config=config, weights=progress.best_weights)
    record: dict[str, Any] = {
        "dataset": {
            "name": dataset.name,
            "sha256": dataset.sha256,
            "train_images": len(train_pixels),
            "test_images": len(dataset.test),
        },
        "history": progress.history,
        "best_epoch": progress.best_epoch,
        "stopped_early": len(progress.history["loss"]) < config.epochs,
        "training_seconds": round(training_seconds, 2),
        "trained_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        # The NLL at k = 5000 costs minutes: `evaluate` and the zoo build compute it.
        "metrics": evaluation.evaluate(model, dataset.test, nll_samples=None),
    }
    return Autoencoder(config=config, weights=model.weights, record=record)


def _learning_rate(config: Config, images: int) -> Any:
    """The optimizer's learning rate: a number, or a cosine schedule over every step."""
    if config.schedule == "constant":
        return config.learning_rate
    import keras

    steps = config.epochs * _batches_per_epoch(images, config.batch_size)
    return keras.optimizers.schedules.CosineDecay(config.learning_rate, decay_steps=steps)


def _batches_per_epoch(images: int, batch_size: int) -> int:
    return -(-images // batch_size)  # the last one may be short


def _shuffled_batches(images: int, batch_size: int, seed: int) -> Any:
    """Batches of row indices, in a new order on every pass over them (every epoch).

    Each epoch's order is one permutation, cut into batches: shuffling the
    indices one by one in tf.data's shuffle buffer took 12-24% of a dense
    epoch with XLA and 31% without (the two pipelines side by side in one
    process, 10 epochs each).
    """
    import tensorflow as tf

    whole = images // batch_size * batch_size

    def batches(epoch_seed: Any) -> Any:
        order = tf.random.experimental.stateless_shuffle(
            tf.range(images), seed=tf.stack([epoch_seed, tf.constant(seed, tf.int64)])
        )
        full = tf.data.Dataset.from_tensor_slices(tf.reshape(order[:whole], [-1, batch_size]))
        if whole == images:
            return full
        return full.concatenate(tf.data.Dataset.from_tensors(order[whole:]))

    # One seed per iteration: Keras iterates the dataset afresh every epoch.
    epoch_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).take(1)
    # Told its length, Keras knows where an epoch ends before it gets there.
    count = tf.data.experimental.assert_cardinality(_batches_per_epoch(images, batch_size))
    return epoch_seeds.flat_map(batches).apply(count)


def _rows_of(pixels: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    def rows(indices: np.ndarray) -> np.ndarray:
        return pixels[indices]

    return rows


def _to_float(batch: Any) -> Any:
    import tensorflow as tf

    return tf.cast(batch, tf.float32) / 255.0


def _binarization(config: Config, images: int) -> Callable[[Any, Any], Any]:
    """A batch drawn black or white, each pixel white with its grey level as the probability.

    Dynamic binarisation: each epoch draws anew. The draw is stateless, seeded
    by the run's seed and the batch's first and last rows, which differ from
    epoch to epoch (each epoch is a new permutation) but not from run to run.
    """
    import tensorflow as tf

    def grey(batch: Any, indices: Any) -> Any:
        return batch

    def binary(batch: Any, indices: Any) -> Any:
        rows = tf.cast(indices, tf.int64)
        seed = tf.stack([tf.constant(config.seed, tf.int64), rows[0] * images + rows[-1]])
        return tf.cast(tf.random.stateless_uniform(tf.shape(batch), seed=seed) < batch, tf.float32)

    return binary if config.binarize else grey


def _corruption(config: Config) -> Callable[[Any], tuple[Any, Any]]:
    """(input, target) from a clean batch: corrupted input for a denoising model."""
    import tensorflow as tf

    level = float(config.noise_level)

    def clean(batch: Any) -> tuple[Any, Any]:
        return batch, batch  # an autoencoder's target is its input

    def gaussian(batch: Any) -> tuple[Any, Any]:
        noisy = batch + tf.random.normal(tf.shape(batch), stddev=level, seed=config.seed)
        return tf.clip_by_value(noisy, 0.0, 1.0), batch

    def mask(batch: Any) -> tuple[Any, Any]:
        kept = tf.random.uniform(tf.shape(batch), seed=config.seed) >= level
        return batch * tf.cast(kept, tf.float32), batch

    return {"none": clean, "gaussian": gaussian, "mask": mask}[config.noise]


def _layers(config: Config) -> list[tuple[str, str]]:
    """(sub-model, layer name) of every weighted layer."""
    return [("encoder", layer.name) for layer in encoder_layers(config) + code_layers(config)] + [
        ("decoder", layer.name) for layer in decoder_layers(config)
    ]


def _set_weights(
    config: Config, encoder: keras.Model, decoder: keras.Model, weights: dict[str, np.ndarray]
) -> None:
    models = {"encoder": encoder, "decoder": decoder}
    for sub_model, name in _layers(config):
        models[sub_model].get_layer(name).set_weights(
            [weights[f"{name}.kernel"], weights[f"{name}.bias"]]
        )


def _get_weights(
    config: Config, encoder: keras.Model, decoder: keras.Model
) -> dict[str, np.ndarray]:
    models = {"encoder": encoder, "decoder": decoder}
    weights = {}
    for sub_model, name in _layers(config):
        kernel, bias = models[sub_model].get_layer(name).get_weights()
        weights[f"{name}.kernel"] = np.array(kernel)
        weights[f"{name}.bias"] = np.array(bias)
    return weights


class _Progress:
    """Per-epoch bookkeeping: timing, history, best weights, the stop request."""

    def __init__(
        self,
        config: Config,
        encoder: keras.Model,
        decoder: keras.Model,
        on_epoch_end: Callable[[EpochReport], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.config = config
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
                self.best_weights = _get_weights(self.config, self.encoder, self.decoder)
                self.best_epoch = epoch + 1
            if self.report is not None:
                self.report(EpochReport(epoch + 1, self.config.epochs, loss, val_loss, seconds))
            if self.should_stop is not None and self.should_stop():
                model.stop_training = True

        return keras.callbacks.LambdaCallback(on_epoch_begin=begin, on_epoch_end=end)
