"""The Fashion-MNIST loader, on IDX files written here and on the real set.

Downloads go to a local HTTP server (or to a port that refuses them), never
to the internet; the expected sizes and hashes of the fake files are their
own, passed in place of the official table.
"""

import collections
import contextlib
import gzip
import hashlib
import http.server
import json
import multiprocessing
import os
import pathlib
import socket
import subprocess
import sys
import textwrap
import threading
import time
import types
import uuid

import numpy as np
import pytest

from cnn_course import data

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEBIAN = pathlib.Path("/usr/share/datasets/fashion-mnist")


def write_idx(path, array):
    """Write ``array`` (uint8) as a gzipped IDX file, the format of MNIST."""
    dims = array.shape
    magic = bytes([0, 0, 0x08, len(dims)])  # 0x08: unsigned byte
    header = magic + b"".join(int(d).to_bytes(4, "big") for d in dims)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def fake_fashion_mnist(directory, n_train=12, n_test=4):
    """Images whose every pixel is its index; labels cycle through 0-9.

    Returns the table of sizes and SHA-256 of these files' data, in the
    form of :data:`cnn_course.data.FASHION_MNIST_RELEASE`.
    """
    directory.mkdir(parents=True, exist_ok=True)
    train = np.arange(n_train, dtype=np.uint8)[:, None, None] * np.ones((28, 28), np.uint8)
    test = (100 + np.arange(n_test, dtype=np.uint8))[:, None, None] * np.ones((28, 28), np.uint8)
    write_idx(directory / "train-images-idx3-ubyte.gz", train)
    write_idx(directory / "train-labels-idx1-ubyte.gz", np.arange(n_train) % 10)
    write_idx(directory / "t10k-images-idx3-ubyte.gz", test)
    write_idx(directory / "t10k-labels-idx1-ubyte.gz", np.arange(n_test) % 10)
    release = {}
    for name in data.FASHION_MNIST_FILES:
        raw = gzip.decompress((directory / name).read_bytes())
        release[name] = (len(raw), hashlib.sha256(raw).hexdigest())
    return release


def check_fake_splits(d, validation_size):
    """The arrays of :func:`fake_fashion_mnist` (12 training, 4 test images)."""
    assert d.x_train.shape == (12 - validation_size, 28, 28, 1)
    assert d.x_test.shape == (4, 28, 28, 1)
    np.testing.assert_allclose(
        np.concatenate([d.x_valid, d.x_train])[:, 5, 5, 0] * 255, np.arange(12), atol=1e-4
    )
    np.testing.assert_allclose(d.x_test[:, 0, 0, 0] * 255, [100, 101, 102, 103], atol=1e-4)
    assert np.concatenate([d.y_valid, d.y_train]).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """Keras' home moved to an empty folder, as KERAS_HOME set before import would."""
    from keras.src.backend import config

    home = tmp_path / "keras-home"
    home.mkdir()
    monkeypatch.setattr(config, "_KERAS_DIR", str(home))
    return home


@pytest.fixture
def fake_release(tmp_path, monkeypatch):
    """Fake files in ``tmp_path/source``; their table replaces the official one."""
    release = fake_fashion_mnist(tmp_path / "source")
    monkeypatch.setattr(data, "FASHION_MNIST_RELEASE", release)
    return release


@pytest.fixture
def refused_url():
    """An address on this machine that refuses connections, as with no network."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound but not listening: refused
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"


@contextlib.contextmanager
def serve(files, delay=0.0, stall=None):
    """Serve ``files`` (name: bytes) over HTTP on 127.0.0.1, in a thread.

    Each file is sent in 10 pieces, ``delay`` seconds apart. The file named
    ``stall`` stops after its first half, until the server stops. Yields the
    base URL, a count of requests per file, and an event set at that half.
    """
    requests = collections.Counter()
    halfway, done = threading.Event(), threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.lstrip("/")
            requests[name] += 1
            if name not in files:
                self.send_error(404)
                return
            body = files[name]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if name == stall:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                halfway.set()
                done.wait(60)
                return
            step = len(body) // 10 + 1
            for start in range(0, len(body), step):
                self.wfile.write(body[start:start + step])
                self.wfile.flush()
                time.sleep(delay)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield types.SimpleNamespace(
            url=f"http://127.0.0.1:{server.server_port}/", requests=requests, halfway=halfway
        )
    finally:
        done.set()
        server.shutdown()
        server.server_close()


def source_files(tmp_path):
    return {name: (tmp_path / "source" / name).read_bytes() for name in data.FASHION_MNIST_FILES}


def run_with_keras_home(keras_home, code, release):
    """Run ``code`` in a fresh Python with KERAS_HOME set before Keras loads.

    ``release`` replaces the official table; downloads are refused, as on a
    machine without network.
    """
    prelude = textwrap.dedent(
        f"""
        import json, socket
        from cnn_course import data
        data.FASHION_MNIST_RELEASE = {release!r}
        refuser = socket.socket()
        refuser.bind(("127.0.0.1", 0))
        data.FASHION_MNIST_URL = f"http://127.0.0.1:{{refuser.getsockname()[1]}}/"
        """
    )
    env = dict(os.environ, KERAS_HOME=str(keras_home), PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    return result


def test_loader_splits_scales_and_adds_channel_axis(tmp_path):
    release = fake_fashion_mnist(tmp_path / "datasets" / "fashion-mnist")
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
        release,
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


def check_missing_files_message(message, folder):
    """The message names the folder, the four files and the ways to provide them."""
    for name in data.FASHION_MNIST_FILES:
        assert os.path.join(folder, name) in message
    assert "apt install dataset-fashion-mnist" in message
    assert "/usr/share/datasets/fashion-mnist/" in message
    assert "KERAS_HOME" in message


def test_missing_files_without_network_explain_where_to_put_them(
    keras_home, fake_release, refused_url, monkeypatch
):
    monkeypatch.setattr(data, "FASHION_MNIST_URL", refused_url)
    with pytest.raises(FileNotFoundError) as error:
        data.load_fashion_mnist()
    message = str(error.value)
    check_missing_files_message(message, str(keras_home / "datasets" / "fashion-mnist"))
    assert refused_url in message and "refused" in message


@pytest.mark.parametrize("stall", ["headers", "body"])
def test_a_stalled_download_times_out_with_advice(
    keras_home, fake_release, tmp_path, monkeypatch, stall
):
    monkeypatch.setattr(data, "FASHION_MNIST_TIMEOUT", 0.5)
    with contextlib.ExitStack() as stack:
        if stall == "headers":  # connects, then never answers
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            sock.listen()
            url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
        else:  # answers, sends half of the first file, then nothing
            url = stack.enter_context(
                serve(source_files(tmp_path), stall="train-labels-idx1-ubyte.gz")
            ).url
        monkeypatch.setattr(data, "FASHION_MNIST_URL", url)
        start = time.monotonic()
        with pytest.raises(FileNotFoundError) as error:
            data.load_fashion_mnist()
        assert time.monotonic() - start < 10
    message = str(error.value)
    assert f"no answer from {url}train-labels-idx1-ubyte.gz within 0.5 s" in message
    folder = keras_home / "datasets" / "fashion-mnist"
    check_missing_files_message(message, str(folder))
    assert sorted(os.listdir(folder)) == [".lock"]  # no partial file left


def test_download_verifies_and_names_the_files(keras_home, fake_release, tmp_path, monkeypatch):
    with serve(source_files(tmp_path)) as server:
        monkeypatch.setattr(data, "FASHION_MNIST_URL", server.url)
        check_fake_splits(data.load_fashion_mnist(validation_size=2), 2)
        check_fake_splits(data.load_fashion_mnist(validation_size=2), 2)  # from the cache
    assert server.requests == {name: 1 for name in data.FASHION_MNIST_FILES}
    folder = keras_home / "datasets" / "fashion-mnist"
    assert sorted(os.listdir(folder)) == sorted([".lock", *data.FASHION_MNIST_FILES])


def test_a_bad_download_is_discarded(keras_home, fake_release, tmp_path, monkeypatch):
    files = source_files(tmp_path)
    files["t10k-images-idx3-ubyte.gz"] = b"<html>Please log in to the Wi-Fi</html>"
    with serve(files) as server:
        monkeypatch.setattr(data, "FASHION_MNIST_URL", server.url)
        with pytest.raises(FileNotFoundError) as error:
            data.load_fashion_mnist()
    message = str(error.value)
    assert f"{server.url}t10k-images-idx3-ubyte.gz is not a valid gzip file" in message
    assert "discarded" in message
    folder = keras_home / "datasets" / "fashion-mnist"
    check_missing_files_message(message, str(folder))
    assert not (folder / "t10k-images-idx3-ubyte.gz").exists()


def damage(path, how):
    """Spoil the gzip file ``path`` in one of the ways a file goes wrong."""
    packed = path.read_bytes()
    raw = gzip.decompress(packed)
    if how == "truncated":  # a download cut short
        path.write_bytes(packed[: len(packed) // 2])
    elif how == "not gzip":  # an error page saved under the file's name
        path.write_bytes(b"<html>Not Found</html>")
    elif how == "short data":  # a whole gzip file, of too little data
        path.write_bytes(gzip.compress(raw[:-784]))
    elif how == "changed data":  # the right size, one pixel changed
        path.write_bytes(gzip.compress(raw[:-1] + bytes([(raw[-1] + 1) % 256])))


@pytest.mark.parametrize(
    "how, problem",
    [
        ("truncated", "is truncated"),
        ("not gzip", "is not a valid gzip file"),
        ("short data", "holds 8,640 bytes of data instead of 9,424"),
        ("changed data", "has the SHA-256"),
    ],
)
def test_a_bad_file_is_named_with_the_fix(
    keras_home, fake_release, refused_url, monkeypatch, how, problem
):
    monkeypatch.setattr(data, "FASHION_MNIST_URL", refused_url)
    folder = keras_home / "datasets" / "fashion-mnist"
    fake_fashion_mnist(folder)
    bad = folder / "train-images-idx3-ubyte.gz"
    damage(bad, how)
    with pytest.raises(OSError) as error:
        data.load_fashion_mnist()
    assert type(error.value) is OSError  # not a raw EOFError, BadGzipFile, ...
    message = str(error.value)
    assert f"The Fashion-MNIST file {bad} {problem}" in message
    assert "Delete it and run again" in message
    assert f"ln -sf /usr/share/datasets/fashion-mnist/{bad.name} {bad}" in message


def load_in_child(barrier, results, args):
    """Wait for the other process, load, and report sums of the arrays."""
    barrier.wait(timeout=120)
    try:
        arrays = data._read_fashion_mnist(*args)
        results.put([int(a.sum(dtype=np.int64)) for a in arrays])
    except Exception as error:  # reported to the test
        results.put(repr(error))


def test_two_processes_loading_at_once_download_each_file_once(tmp_path):
    release = fake_fashion_mnist(tmp_path / "source")
    folder = tmp_path / "fashion-mnist"
    expected = []
    for name in data.FASHION_MNIST_FILES:
        raw = gzip.decompress((tmp_path / "source" / name).read_bytes())
        header = 8 if "labels" in name else 16
        expected.append(int(np.frombuffer(raw, np.uint8, offset=header).sum(dtype=np.int64)))
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    with serve(source_files(tmp_path), delay=0.05) as server:  # 0.5 s a file
        args = (str(folder), server.url, release, 10)
        child = context.Process(target=load_in_child, args=(barrier, results, args))
        child.start()
        load_in_child(barrier, results, args)  # this process is the other one
        outcomes = [results.get(timeout=180) for _ in range(2)]
        child.join(timeout=60)
    assert outcomes == [expected, expected]
    assert server.requests == {name: 1 for name in data.FASHION_MNIST_FILES}


def test_a_killed_download_leaves_no_partial_file(tmp_path):
    release = fake_fashion_mnist(tmp_path / "source")
    folder = tmp_path / "fashion-mnist"
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(1), context.Queue()
    stalled = "train-images-idx3-ubyte.gz"  # the second file
    with serve(source_files(tmp_path), stall=stalled) as server:
        args = (str(folder), server.url, release, 60)
        child = context.Process(target=load_in_child, args=(barrier, results, args))
        child.start()
        assert server.halfway.wait(timeout=120)
        child.kill()
        child.join(timeout=60)
    assert not (folder / stalled).exists()
    assert (folder / "train-labels-idx1-ubyte.gz").exists()
    assert [p.name for p in folder.glob(f".{stalled}.*.part")]  # what the kill left
    with serve(source_files(tmp_path)) as server:
        arrays = data._read_fashion_mnist(str(folder), server.url, release, 10)
    assert arrays[1].shape == (12, 28, 28)
    assert server.requests == {name: 1 for name in data.FASHION_MNIST_FILES[1:]}
    assert not list(folder.glob(".*.part"))


def test_read_only_keras_home_uses_the_folder_keras_uses(tmp_path, monkeypatch):
    from keras.src.backend import config

    import keras

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(config, "_KERAS_DIR", str(blocker / "keras"))  # cannot be written
    probe = tmp_path / "probe.txt"
    probe.write_text("probe")
    name = f"cnn-course-test-{uuid.uuid4().hex}"
    # Where Keras itself puts a download from such a home.
    path = keras.utils.get_file("probe.txt", probe.as_uri(), cache_subdir=f"datasets/{name}")
    try:
        assert data.keras_dataset_dir(name) == os.path.dirname(path)
        assert not data.keras_dataset_dir(name).startswith(str(blocker))
    finally:
        os.remove(path)
        os.removedirs(os.path.dirname(path))  # and its parents, if left empty


def test_read_only_keras_home_message_names_the_folder_used(
    tmp_path, fake_release, refused_url, monkeypatch
):
    from keras.src.backend import config

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(config, "_KERAS_DIR", str(blocker / "keras"))
    monkeypatch.setattr(data, "_TMP", str(tmp_path / "tmp"))  # stands for /tmp
    monkeypatch.setattr(data, "FASHION_MNIST_URL", refused_url)
    with pytest.raises(FileNotFoundError) as error:
        data.load_fashion_mnist()
    message = str(error.value)
    used = tmp_path / "tmp" / ".keras"
    check_missing_files_message(message, str(used / "datasets" / "fashion-mnist"))
    assert f"{blocker / 'keras'} is not writable" in message and f"use {used} instead" in message


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


def test_release_sizes_follow_the_idx_format():
    # IDX: 4 magic bytes and one 4-byte size per axis, then one byte a value;
    # 60,000 training and 10,000 test examples of 28x28 pixels.
    sizes = {name: size for name, (size, _) in data.FASHION_MNIST_RELEASE.items()}
    assert sizes == {
        "train-labels-idx1-ubyte.gz": 8 + 60_000,
        "train-images-idx3-ubyte.gz": 16 + 60_000 * 28 * 28,
        "t10k-labels-idx1-ubyte.gz": 8 + 10_000,
        "t10k-images-idx3-ubyte.gz": 16 + 10_000 * 28 * 28,
    }


@pytest.mark.skipif(
    not all((DEBIAN / f).exists() for f in data.FASHION_MNIST_FILES),
    reason="Debian's dataset-fashion-mnist is not installed",
)
def test_debian_files_are_the_official_release(keras_home, refused_url, monkeypatch):
    # Their gzip headers differ from the release's (no file name, another
    # time): 24 or 23 bytes shorter than the release's 26,421,880, 29,515,
    # 4,422,102 and 5,148 bytes. The data inside are the release's.
    folder = keras_home / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    for name in data.FASHION_MNIST_FILES:
        (folder / name).symlink_to(DEBIAN / name)
    monkeypatch.setattr(data, "FASHION_MNIST_URL", refused_url)
    d = data.load_fashion_mnist(validation_size=0, scale=False, channel_axis=False)
    assert d.x_train.shape == (60_000, 28, 28) and d.x_test.shape == (10_000, 28, 28)


def test_real_fashion_mnist():
    folder = data.keras_dataset_dir()
    if not all(os.path.exists(os.path.join(folder, f)) for f in data.FASHION_MNIST_FILES):
        pytest.skip("Fashion-MNIST is not in Keras' cache (CI links it there)")
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


def test_class_names_are_in_zalandos_label_order():
    # github.com/zalandoresearch/fashion-mnist, "Labels": label 0 is
    # T-shirt/top, ..., label 9 is Ankle boot; no data needed
    assert data.FASHION_MNIST_CLASSES == (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    )
