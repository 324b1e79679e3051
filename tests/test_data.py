"""The Fashion-MNIST loader, on IDX files written here and on the real set."""

import gzip
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from cnn_course import data

ROOT = pathlib.Path(__file__).resolve().parents[1]


def write_idx(path, array):
    """Write ``array`` (uint8) as a gzipped IDX file, the format of MNIST."""
    dims = array.shape
    magic = bytes([0, 0, 0x08, len(dims)])  # 0x08: unsigned byte
    header = magic + b"".join(int(d).to_bytes(4, "big") for d in dims)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def fake_fashion_mnist(directory, n_train=12, n_test=4):
    """Images whose every pixel is its index; labels cycle through 0-9."""
    directory.mkdir(parents=True, exist_ok=True)
    train = np.arange(n_train, dtype=np.uint8)[:, None, None] * np.ones((28, 28), np.uint8)
    test = (100 + np.arange(n_test, dtype=np.uint8))[:, None, None] * np.ones((28, 28), np.uint8)
    write_idx(directory / "train-images-idx3-ubyte.gz", train)
    write_idx(directory / "train-labels-idx1-ubyte.gz", np.arange(n_train) % 10)
    write_idx(directory / "t10k-images-idx3-ubyte.gz", test)
    write_idx(directory / "t10k-labels-idx1-ubyte.gz", np.arange(n_test) % 10)


def run_with_keras_home(keras_home, code):
    """Run ``code`` in a fresh Python with KERAS_HOME set before Keras loads.

    Downloads are made to fail, as on a machine without network.
    """
    prelude = textwrap.dedent(
        """
        import json, urllib.error
        import keras.src.utils.file_utils as file_utils
        def no_network(*args, **kwargs):
            raise urllib.error.URLError("no network in this test")
        file_utils.urlretrieve = no_network
        from cnn_course import data
        """
    )
    env = dict(os.environ, KERAS_HOME=str(keras_home), PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    return result


def test_loader_splits_scales_and_adds_channel_axis(tmp_path):
    fake_fashion_mnist(tmp_path / "datasets" / "fashion-mnist")
    result = run_with_keras_home(
        tmp_path,
        """
        d = data.load_fashion_mnist(validation_size=3)
        print(json.dumps({
            "shapes": [list(a.shape) for a in d],
            "dtype": str(d.x_train.dtype),
            "valid_first_pixels": d.x_valid[:, 0, 0, 0].tolist(),
            "train_first_pixel": float(d.x_train[0, 0, 0, 0]),
            "y_train": d.y_train.tolist(),
            "test_pixel": float(d.x_test[0, 5, 5, 0]),
        }))
        raw = data.load_fashion_mnist(validation_size=0, scale=False, channel_axis=False, subset=2)
        print(json.dumps({"shapes": [list(a.shape) for a in raw], "dtype": str(raw.x_train.dtype)}))
        """,
    )
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    assert first["shapes"] == [[9, 28, 28, 1], [9], [3, 28, 28, 1], [3], [4, 28, 28, 1], [4]]
    assert first["dtype"] == "float32"
    # The validation set is the front of the training file, as in Geron's notebook.
    assert first["valid_first_pixels"] == pytest.approx([0, 1 / 255, 2 / 255])
    assert first["train_first_pixel"] == pytest.approx(3 / 255)
    assert first["y_train"] == [3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert first["test_pixel"] == pytest.approx(100 / 255)
    assert second["shapes"] == [[2, 28, 28], [2], [0, 28, 28], [0], [2, 28, 28], [2]]
    assert second["dtype"] == "uint8"


def test_missing_files_without_network_explain_where_keras_looks(tmp_path):
    result = run_with_keras_home(
        tmp_path,
        """
        try:
            data.load_fashion_mnist()
        except FileNotFoundError as error:
            print(json.dumps({"message": str(error)}))
        """,
    )
    assert result.returncode == 0, result.stderr
    message = json.loads(result.stdout.strip().splitlines()[-1])["message"]
    assert str(tmp_path / "datasets" / "fashion-mnist") in message
    for name in data.FASHION_MNIST_FILES:
        assert name in message
    assert "KERAS_HOME" in message and "dataset-fashion-mnist" in message


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"validation_size": -1}, "validation_size"),
        ({"validation_size": 60_000}, "validation_size"),
        ({"validation_size": 0.1}, "validation_size"),
        ({"subset": 0}, "subset"),
        ({"subset": "all"}, "subset"),
    ],
)
def test_bad_arguments_are_named(kwargs, argument):
    with pytest.raises(ValueError, match=rf"`{argument}`.*Received: {argument}="):
        data.load_fashion_mnist(**kwargs)


REAL_FILES = [os.path.join(data.keras_dataset_dir(), f) for f in data.FASHION_MNIST_FILES]


@pytest.mark.skipif(
    not all(os.path.exists(f) for f in REAL_FILES),
    reason="Fashion-MNIST is not in Keras' cache (CI links it there)",
)
def test_real_fashion_mnist():
    d = data.load_fashion_mnist()
    assert d.x_train.shape == (55_000, 28, 28, 1)
    assert d.x_valid.shape == (5_000, 28, 28, 1)
    assert d.x_test.shape == (10_000, 28, 28, 1)
    assert 0.0 == d.x_train.min() and d.x_train.max() == 1.0
    # The data set's documented balance: 6,000 training and 1,000 test
    # images per class.
    train_counts = np.bincount(np.concatenate([d.y_train, d.y_valid]), minlength=10)
    assert train_counts.tolist() == [6_000] * 10
    assert np.bincount(d.y_test, minlength=10).tolist() == [1_000] * 10
    assert len(data.FASHION_MNIST_CLASSES) == 10
