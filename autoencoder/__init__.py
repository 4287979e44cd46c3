"""Autoencoders of 28x28 images (dense, convolutional, variational, denoising, and PCA as
the linear baseline): load data, train, save, load, run.

Serving (``load_model`` then ``encode``/``decode``/``reconstruct``) is plain
NumPy; only training imports TensorFlow, and only when it runs.
"""

__version__ = "0.1.0"

from autoencoder.artifact import ModelLoadError, load_model, save_model
from autoencoder.config import Config
from autoencoder.data import Dataset, DatasetUnavailableError, load_dataset
from autoencoder.network import Autoencoder
from autoencoder.training import train

__all__ = [
    "Autoencoder",
    "Config",
    "Dataset",
    "DatasetUnavailableError",
    "ModelLoadError",
    "load_dataset",
    "load_model",
    "save_model",
    "train",
]
