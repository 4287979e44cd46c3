"""Serving without TensorFlow: NumPy (network.py) against onnxruntime, side by side.

Issue 8: every family must run for the app without TensorFlow, in NumPy or in
a well-kept inference runtime. This measures both in one run, each with its
library's default threads and with one thread, and prints one markdown table
against the issue's targets:

1. One image reconstructed (encode then decode), per call: median and p95, ms.
2. The 10,000 MNIST test images encoded, in batches of ``network.BATCH``:
   seconds, median of ``--repeats``.
3. Parity: the largest absolute difference from Keras' own output
   (``to_keras(model).predict``) on 256 test images, for each runtime.
4. Server memory: a fresh process imports Streamlit and the serving path, loads
   three models (dense-32, conv-32, vae-32), reconstructs one image and encodes
   one batch with each; its RSS after, median of ``--repeats`` processes.
5. The installed size of what onnxruntime adds to the app's requirements.

The ONNX graphs are built here from network.py's layer lists with
``onnx.helper`` (Gemm, Conv and ConvTranspose with TensorFlow's "same"
padding as explicit pads), so both runtimes read the same weights; the
Keras kernels are permuted once so that the graph stays NCHW throughout.
Encode and decode are two sessions, as the app calls them apart.

Every measurement runs in fresh processes (one runtime's idle threads must not
slow the other), the columns take turns round after round, and medians are
reported, because this machine is shared and noisy. Models missing from
assets/zoo/ get random weights of the same settings (timing and parity do not
depend on the values). Without onnxruntime (or onnx) installed, its columns
are skipped with a note.

    python benchmarks/serving.py [--calls 200] [--repeats 3] [--data PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autoencoder.artifact import load_model, save_model  # noqa: E402
from autoencoder.config import IMAGE_SIDE, INPUT_DIM, Config  # noqa: E402
from autoencoder.network import (  # noqa: E402
    BATCH,
    KERNEL,
    Autoencoder,
    Layer,
    _as_image_batch,  # the same input checks as network.py, so both pay for them
    code_layers,
    conv_grid,
    decoder_layers,
    encoder_layers,
)
from autoencoder.zoo import ZOO_DIR, entry  # noqa: E402

MODELS = ("dense-32", "conv-32", "vae-32")  # the three most-used families
NUMPY, ORT = "NumPy", "onnxruntime"
PARITY_IMAGES = 256
OPSET = 17
TARGET_IMAGE_MS = 5.0
TARGET_ENCODE_S = 5.0
TARGET_RSS_MB = 350
TARGET_PARITY = 1e-5


# --- the ONNX graphs -------------------------------------------------------------------------


def same_pads(side: int, stride: int = 2) -> tuple[int, int]:
    """TensorFlow's "same" padding of a strided 3x3 convolution: the extra pixel goes after."""
    out = -(-side // stride)
    total = max((out - 1) * stride + KERNEL - side, 0)
    return total // 2, total - total // 2


class GraphBuilder:
    """Nodes and weights of one ONNX graph; each node's output gets a fresh name."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []

    def constant(self, name: str, array: np.ndarray) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], **attributes: Any) -> str:
        from onnx import helper

        output = f"{op.lower()}_{len(self.nodes)}"
        self.nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    def reshape(self, tensor: str, shape: tuple[int, ...]) -> str:
        target = self.constant(f"shape_{len(self.nodes)}", np.array(shape, np.int64))
        return self.node("Reshape", [tensor, target])

    def serialize(self, name: str, inputs: dict[str, int], outputs: dict[str, int]) -> bytes:
        """The graph as bytes; ``inputs`` and ``outputs`` map names to widths (rows: n)."""
        from onnx import TensorProto, checker, helper

        def declared(widths: dict[str, int]) -> list[Any]:
            return [
                helper.make_tensor_value_info(tensor, TensorProto.FLOAT, ["n", width])
                for tensor, width in widths.items()
            ]

        graph = helper.make_graph(
            self.nodes,
            name,
            declared(inputs),
            declared(outputs),
            self.initializers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
        model.ir_version = 8  # what any onnxruntime of the last three years reads
        checker.check_model(model)
        return model.SerializeToString()


def _apply(
    graph: GraphBuilder, layer: Layer, weights: Mapping[str, np.ndarray], tensor: str, side: int
) -> str:
    """One layer on an NCHW (conv, deconv) or (n, features) (dense) tensor."""
    kernel = weights[f"{layer.name}.kernel"]
    bias = graph.constant(f"{layer.name}.bias", weights[f"{layer.name}.bias"])
    if layer.kind == "dense":
        output = graph.node("Gemm", [tensor, graph.constant(f"{layer.name}.kernel", kernel), bias])
    else:
        # Keras: conv (3, 3, in, out), deconv (3, 3, out, in); ONNX: (out, in, 3, 3) and
        # (in, out, 3, 3). Both scatter the same way, so no flip is needed.
        onnx_kernel = graph.constant(f"{layer.name}.kernel", kernel.transpose(3, 2, 0, 1))
        before, after = same_pads(side if layer.kind == "conv" else 2 * side)
        op = "Conv" if layer.kind == "conv" else "ConvTranspose"
        output = graph.node(
            op,
            [tensor, onnx_kernel, bias],
            kernel_shape=[KERNEL, KERNEL],
            strides=[2, 2],
            pads=[before, before, after, after],
        )
    if layer.activation == "relu":
        return graph.node("Relu", [output])
    if layer.activation == "sigmoid":
        return graph.node("Sigmoid", [output])
    return output


def _nchw_weights(config: Config, weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The weights, with the dense layers next to the grid made to read and write it as NCHW.

    Keras flattens a grid in (h, w, c) order; the ONNX graph keeps (c, h, w), so
    the rows of the dense layers that read the last convolution's output, and
    the columns of the projection that feeds the first transposed convolution,
    are permuted once here instead of transposing tensors at every call.
    """
    weights = dict(weights)
    if not config.filters:
        return weights
    side, channels = conv_grid(config)
    dense = [layer for layer in encoder_layers(config) if layer.kind == "dense"]
    for layer in dense[:1] or code_layers(config):  # the first hidden layer, or the heads
        kernel = weights[f"{layer.name}.kernel"]
        weights[f"{layer.name}.kernel"] = (
            kernel.reshape(side, side, channels, -1).transpose(2, 0, 1, 3).reshape(kernel.shape)
        )
    project = next(layer for layer in decoder_layers(config) if layer.name == "decoder_project")
    kernel, bias = weights[f"{project.name}.kernel"], weights[f"{project.name}.bias"]
    weights[f"{project.name}.kernel"] = (
        kernel.reshape(-1, side, side, channels).transpose(0, 3, 1, 2).reshape(kernel.shape)
    )
    weights[f"{project.name}.bias"] = bias.reshape(side, side, channels).transpose(2, 0, 1).ravel()
    return weights


def onnx_graphs(model: Autoencoder) -> tuple[bytes, bytes]:
    """The serialized encoder (image -> code heads) and decoder (code -> image) graphs."""
    config = model.config
    weights = _nchw_weights(config, model.weights)

    encoder = GraphBuilder()
    tensor, side, gridded = "image", IMAGE_SIDE, bool(config.filters)
    if gridded:  # one channel: the flat image is already NCHW
        tensor = encoder.reshape(tensor, (-1, 1, IMAGE_SIDE, IMAGE_SIDE))
    for layer in encoder_layers(config):
        if layer.kind == "dense" and gridded:
            tensor, gridded = encoder.node("Flatten", [tensor], axis=1), False
        tensor = _apply(encoder, layer, weights, tensor, side)
        side = -(-side // 2) if layer.kind == "conv" else side
    if gridded:
        tensor = encoder.node("Flatten", [tensor], axis=1)
    heads = [_apply(encoder, layer, weights, tensor, side) for layer in code_layers(config)]

    decoder = GraphBuilder()
    tensor, gridded = "code", False
    side, channels = conv_grid(config) if config.filters else (0, 0)
    for layer in decoder_layers(config):
        if layer.kind == "deconv" and not gridded:
            tensor, gridded = decoder.reshape(tensor, (-1, channels, side, side)), True
        tensor = _apply(decoder, layer, weights, tensor, side)
        side = 2 * side if layer.kind == "deconv" else side
    if gridded:
        tensor = decoder.reshape(tensor, (-1, INPUT_DIM))
    return (
        encoder.serialize("encoder", {"image": INPUT_DIM}, dict.fromkeys(heads, config.latent_dim)),
        decoder.serialize("decoder", {"code": config.latent_dim}, {tensor: INPUT_DIM}),
    )


class OnnxAutoencoder:
    """``Autoencoder``'s encode and reconstruct, run by two onnxruntime sessions."""

    def __init__(self, encoder: bytes | str, decoder: bytes | str, threads: int = 0) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads  # 0: onnxruntime's default (physical cores)
        providers = ["CPUExecutionProvider"]
        self.encoder = onnxruntime.InferenceSession(encoder, options, providers=providers)
        self.decoder = onnxruntime.InferenceSession(decoder, options, providers=providers)
        self.mean = self.encoder.get_outputs()[0].name  # a VAE's code is its mean

    def encode(self, images: np.ndarray) -> np.ndarray:
        batch, single = _as_image_batch(images)
        codes = _batched(self._encode, batch)
        return codes[0] if single else codes

    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        batch, _ = _as_image_batch(images)
        output = _batched(lambda rows: self._decode(self._encode(rows)), batch)
        return output.reshape(np.shape(images))

    def _encode(self, rows: np.ndarray) -> np.ndarray:
        return self.encoder.run([self.mean], {"image": rows})[0]

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        return self.decoder.run(None, {"code": codes})[0]


def _batched(function: Callable[[np.ndarray], np.ndarray], rows: np.ndarray) -> np.ndarray:
    if len(rows) <= BATCH:
        return function(rows)
    return np.concatenate([function(rows[i : i + BATCH]) for i in range(0, len(rows), BATCH)])


# --- models, data, and what is installed -----------------------------------------------------


def random_model(config: Config, seed: int = 0) -> Autoencoder:
    """He-scaled random weights: realistic magnitudes, so parity means what it does trained."""
    rng = np.random.default_rng(seed)
    weights = {}
    for layer in [*encoder_layers(config), *code_layers(config), *decoder_layers(config)]:
        fan_in = layer.fan_in * (1 if layer.kind == "dense" else KERNEL * KERNEL)
        kernel, bias = layer.shapes.values()
        weights[f"{layer.name}.kernel"] = rng.normal(0, np.sqrt(2 / fan_in), kernel)
        weights[f"{layer.name}.bias"] = np.full(bias, 0.01)
    return Autoencoder(config=config, weights=weights, record={"note": "random weights"})


def zoo_or_random(name: str) -> tuple[Autoencoder, bool]:
    """The zoo's model if it is built, else random weights of its settings; trained?"""
    folder = ZOO_DIR / name
    if (folder / "config.json").is_file():
        return load_model(folder), True
    if name == "dense-32":
        return load_model(), True  # the shipped model is the zoo's dense-32
    return random_model(entry(name).config), False


def test_images(path: Path | None) -> np.ndarray:
    from autoencoder.data import load_dataset

    if path is None:
        folder = Path(os.environ.get("AUTOENCODER_DATA_DIR") or ROOT.parent / "shared" / "data")
        path = folder / "mnist.npz"
    return load_dataset("mnist", path, include_train=False).test.images


def installed_mb(name: str) -> float:
    files = metadata.distribution(name).files or []
    paths = (Path(file.locate()) for file in files)
    return sum(path.stat().st_size for path in paths if path.is_file()) / 2**20


def _requirement_closure(names: Iterable[str]) -> set[str]:
    """Every installed distribution that ``names`` pull in (markers read without extras)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [canonicalize_name(name) for name in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return seen


def install_cost(package: str) -> tuple[float, list[str]]:
    """MB of ``package`` and of what it needs that the app without TensorFlow does not."""
    from packaging.utils import canonicalize_name

    lines = (ROOT / "requirements.txt").read_text().splitlines()
    app = [line.split("#")[0].strip() for line in lines]
    names = [text.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip() for text in app]
    serving = _requirement_closure(name for name in names if name and name != "tensorflow")
    extra = sorted(_requirement_closure([package]) - serving - {canonicalize_name(package)})
    total = installed_mb(package) + sum(installed_mb(name) for name in extra)
    return total, [f"{name} {installed_mb(name):.1f}" for name in extra]


# --- the measurements, each runtime in fresh processes ---------------------------------------


def write_models(models: dict[str, Autoencoder], folder: Path, onnx: bool) -> None:
    """Each model as the app ships it (a model folder), and its two ONNX graphs."""
    for name, model in models.items():
        save_model(model, folder / name)
        if onnx:
            encoder, decoder = onnx_graphs(model)
            (folder / f"{name}.encoder.onnx").write_bytes(encoder)
            (folder / f"{name}.decoder.onnx").write_bytes(decoder)


def serving_runners(runtime: str, folder: Path, threads: int = 0) -> dict[str, Any]:
    """The three models loaded as serving would: NumPy, or sessions over exported graphs."""
    models = {name: load_model(folder / name) for name in MODELS}
    if runtime == "numpy":
        return models
    if runtime == "onnx-at-load":  # a trained or uploaded model, converted when it is loaded
        return {name: OnnxAutoencoder(*onnx_graphs(model)) for name, model in models.items()}
    return {
        name: OnnxAutoencoder(
            str(folder / f"{name}.encoder.onnx"), str(folder / f"{name}.decoder.onnx"), threads
        )
        for name in models
    }


def time_child(runtime: str, threads: int, folder: Path, data: Path | None, calls: int) -> dict:
    """One image reconstructed ``calls`` times, then the test set encoded, for each model."""
    runners = serving_runners(runtime, folder, threads)
    images = test_images(data)
    results = {}
    for name, runner in runners.items():
        runner.reconstruct(images[0])  # warm up: first-call allocations are not serving
        runner.encode(images[:BATCH])
        image_ms = []
        for index in range(calls):
            started = time.perf_counter()
            runner.reconstruct(images[index])
            image_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        runner.encode(images)
        results[name] = {"image_ms": image_ms, "encode_s": time.perf_counter() - started}
    return results


def rss_child(runtime: str, folder: Path) -> dict:
    """Import Streamlit and the serving path, load three models, run each; RSS after."""
    import streamlit  # noqa: F401  (a server has it loaded: part of the baseline)

    runners = serving_runners(runtime, folder) if runtime != "bare" else {}
    rng = np.random.default_rng(0)
    for runner in runners.values():
        runner.reconstruct(rng.random(INPUT_DIM, dtype=np.float32))
        runner.encode(rng.random((BATCH, INPUT_DIM), dtype=np.float32))
    status = Path("/proc/self/status").read_text()
    rss_kb = int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
    return {"rss_mb": rss_kb / 1024, "tensorflow": "tensorflow" in sys.modules}


def run_child(arguments: list[str], threads: int = 0) -> Any:
    """Run this script as a child measurement; its last line of output is JSON."""
    env = dict(os.environ)
    if threads:  # read when NumPy loads OpenBLAS, so it must be set before the child starts
        env.update(dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"), str(threads)))
    done = subprocess.run(
        [sys.executable, __file__, *arguments], capture_output=True, text=True, cwd=ROOT, env=env
    )
    if done.returncode:
        raise RuntimeError(f"child {' '.join(arguments)} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def timings(
    columns: dict[str, tuple[str, int]], folder: Path, data: Path | None, calls: int, rounds: int
) -> dict[str, dict[str, dict[str, list[float]]]]:
    """Per column and model, every one-image time and every 10,000-image time.

    Each round runs every column once, in a fresh process, in alternating order.
    """
    results = {
        column: {name: {"image_ms": [], "encode_s": []} for name in MODELS} for column in columns
    }
    for round_ in range(rounds):
        for column in columns if round_ % 2 == 0 else reversed(columns):
            runtime, threads = columns[column]
            arguments = [
                "--child",
                "time",
                "--runtime",
                runtime,
                "--threads",
                str(threads),
                "--folder",
                str(folder),
                "--calls",
                str(-(-calls // rounds)),
            ]
            if data is not None:
                arguments += ["--data", str(data)]
            for name, result in run_child(arguments, threads).items():
                results[column][name]["image_ms"] += result["image_ms"]
                results[column][name]["encode_s"].append(result["encode_s"])
    return results


def server_rss(runtimes: list[str], folder: Path, repeats: int) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {runtime: [] for runtime in runtimes}
    for repeat in range(repeats):
        for runtime in runtimes if repeat % 2 == 0 else reversed(runtimes):
            arguments = ["--child", "rss", "--runtime", runtime, "--folder", str(folder)]
            results[runtime].append(run_child(arguments))
    return results


def parity_child(runtimes: list[str], folder: Path, data: Path | None) -> dict:
    """Per model and runtime, the largest |runtime - Keras| over the reconstructions."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from autoencoder.training import to_keras

    images = test_images(data)[:PARITY_IMAGES]
    runners = {runtime: serving_runners(runtime, folder) for runtime in runtimes}
    parity: dict[str, dict[str, float]] = {}
    for name in MODELS:
        keras_model = to_keras(load_model(folder / name))
        expected = keras_model.predict(images, batch_size=len(images), verbose=0)
        parity[name] = {
            runtime: float(np.abs(by_model[name].reconstruct(images) - expected).max())
            for runtime, by_model in runners.items()
        }
    return parity


# --- the report ------------------------------------------------------------------------------


def _failed(value: float, target: float, inclusive: bool = False) -> str:
    ok = value <= target if inclusive else value < target
    return "" if ok else " ✗"


def table(header: list[str], rows: list[list[str]]) -> str:
    """Markdown; the figures right-aligned, the measure and the target left."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    last = len(header) - 1

    def line(cells: list[str]) -> str:
        aligned = [
            cell.ljust(widths[i]) if i in (0, last) else cell.rjust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "| " + " | ".join(aligned) + " |"

    rule = [
        "-" * width if i in (0, last) else "-" * (width - 1) + ":" for i, width in enumerate(widths)
    ]
    return "\n".join([line(header), line(rule), *(line(row) for row in rows)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="one-image calls per runtime")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of fresh processes")
    parser.add_argument("--data", type=Path, help="mnist.npz (default: $AUTOENCODER_DATA_DIR)")
    parser.add_argument("--no-keras", action="store_true", help="skip the parity check")
    parser.add_argument("--child", choices=("time", "rss", "parity"), help=argparse.SUPPRESS)
    parser.add_argument("--runtime", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "time":
        result = time_child(args.runtime[0], args.threads, args.folder, args.data, args.calls)
        print(json.dumps(result))
        return
    if args.child == "rss":
        print(json.dumps(rss_child(args.runtime[0], args.folder)))
        return
    if args.child == "parity":  # a child, so that TensorFlow stays out of this process
        print(json.dumps(parity_child(args.runtime, args.folder, args.data)))
        return

    load_before = os.getloadavg()[0]
    notes = []
    loaded = {name: zoo_or_random(name) for name in MODELS}
    models = {name: model for name, (model, _) in loaded.items()}
    untrained = [name for name, (_, trained) in loaded.items() if not trained]
    if untrained:
        notes.append(
            f"{', '.join(untrained)}: not in assets/zoo/ yet, so random weights of the "
            "zoo's settings (timing and parity do not depend on the values)"
        )
    try:
        import onnx
        import onnxruntime
    except ImportError as missing:
        onnx = onnxruntime = None
        notes.append(
            f"the {ORT} columns are skipped: {missing.name} is not installed "
            "(pip install onnxruntime onnx)"
        )
    # column -> (runtime, threads); 0 threads is the library's default.
    columns = {NUMPY: ("numpy", 0), f"{NUMPY}, 1 thread": ("numpy", 1)}
    if onnxruntime is not None:
        columns |= {ORT: ("onnxruntime", 0), f"{ORT}, 1 thread": ("onnxruntime", 1)}
    header = ["measure", *columns, "target"]
    rows: list[list[str]] = []

    def row(label: str, values: dict[str, str], target: str) -> None:
        rows.append([label, *(values.get(column, "") for column in columns), target])

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        write_models(models, folder, onnx=onnxruntime is not None)
        times = timings(columns, folder, args.data, args.calls, args.repeats)
        for name in MODELS:
            target = f"< {TARGET_IMAGE_MS:g} ms" + (" (largest conv)" if "conv" in name else "")
            values = {}
            for column, by_model in times.items():
                image_ms = by_model[name]["image_ms"]
                median = statistics.median(image_ms)
                p95 = float(np.percentile(image_ms, 95))
                values[column] = f"{median:.2f} / {p95:.2f}" + _failed(median, TARGET_IMAGE_MS)
            row(f"one image, {name}: median / p95 (ms)", values, target)
        for name in MODELS:
            values = {}
            for column, by_model in times.items():
                seconds = statistics.median(by_model[name]["encode_s"])
                values[column] = f"{seconds:.2f}" + _failed(seconds, TARGET_ENCODE_S)
            row(f"10,000 encodes, {name} (s)", values, f"< {TARGET_ENCODE_S:g} s")

        runtimes = ["bare", "numpy"]
        if onnxruntime is not None:
            runtimes += ["onnxruntime", "onnx-at-load"]
        rss_runs = server_rss(runtimes, folder, args.repeats)
        rss = {
            runtime: statistics.median(run["rss_mb"] for run in runs)
            for runtime, runs in rss_runs.items()
        }
        rss_target = f"< {TARGET_RSS_MB} MB"
        row(
            "RSS: Streamlit + serving, 3 models (MB)",
            {
                column: f"{rss[runtime]:.0f}" + _failed(rss[runtime], TARGET_RSS_MB)
                for column, (runtime, threads) in columns.items()
                if not threads
            },
            rss_target,
        )
        row(
            "  over Streamlit + autoencoder alone (MB)",
            {
                column: f"+{rss[runtime] - rss['bare']:.0f}"
                for column, (runtime, threads) in columns.items()
                if not threads
            },
            f"(alone: {rss['bare']:.0f} MB)",
        )
        if onnxruntime is not None:
            value = rss["onnx-at-load"]
            row(
                "  graphs built at load, + onnx (MB)",
                {ORT: f"{value:.0f}" + _failed(value, TARGET_RSS_MB)},
                rss_target,
            )

        if onnxruntime is not None:
            ort_mb, ort_deps = install_cost("onnxruntime")
            onnx_mb, onnx_deps = install_cost("onnx")
            row("extra install (MB)", {NUMPY: "0", ORT: f"{ort_mb:.0f}"}, "")
            notes.append(
                f"install (MB): onnxruntime {onnxruntime.__version__} "
                f"{installed_mb('onnxruntime'):.1f}, plus what the app without TensorFlow "
                f"lacks: {', '.join(ort_deps) or 'nothing'}; building graphs at load also "
                f"needs onnx {onnx.__version__} {installed_mb('onnx'):.1f}, with "
                f"{', '.join(onnx_deps) or 'nothing else'} ({onnx_mb:.0f} in all)"
            )

        if not args.no_keras:
            by_runtime = {
                runtime: column for column, (runtime, threads) in columns.items() if not threads
            }
            arguments = ["--child", "parity", "--runtime", *by_runtime, "--folder", str(folder)]
            if args.data is not None:
                arguments += ["--data", str(args.data)]
            for name, differences in run_child(arguments).items():
                row(
                    f"parity vs Keras, {name}: max |diff|",
                    {
                        by_runtime[runtime]: f"{value:.1e}"
                        + _failed(value, TARGET_PARITY, inclusive=True)
                        for runtime, value in differences.items()
                    },
                    f"<= {TARGET_PARITY:g}",
                )

    if any(run["tensorflow"] for runs in rss_runs.values() for run in runs):
        notes.append("TensorFlow was loaded by a serving process: the serving path is broken")
    print(table(header, rows))
    print()
    print(
        f"Medians over fresh processes, the columns taking turns (rounds: {args.repeats}; "
        f"per column, {args.calls} one-image calls and {args.repeats} encodes of 10,000). "
        f"This machine is shared and noisy: load average {load_before:.1f} at the start and "
        f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores. ✗: the median misses "
        "the target."
    )
    notes += [
        "1 thread: OPENBLAS_NUM_THREADS=1 for NumPy, intra_op_num_threads=1 for onnxruntime; "
        "otherwise each library's default (OpenBLAS: every core; onnxruntime: a pool of one "
        "thread per physical core). Memory, parity and install are per runtime.",
        "RSS: a fresh process imports streamlit and the serving path, loads the three models, "
        f"reconstructs one image and encodes {BATCH} with each; a running server adds more.",
    ]
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
