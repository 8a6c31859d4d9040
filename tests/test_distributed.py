"""Models travel as their file's bytes (pickling), and the Ray and Dask
helpers label every record with predict_batch's answers, in order, keeping
the records' other fields; a bad record is an error, not a partial result."""

import pickle
from pathlib import Path

import numpy as np
import pytest

from smallnlp import LanguageIdentifier, PosTagger

from .conftest import TINY_CONFIG, synthetic_corpus

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "runtime" / "c" / "tests" / "golden" / "tiny-langid.snlp"
TEXTS = ["kakiko tonaru", "", "123", "ka ki ko", "Привет", "tonaru kakiko", "ko"] * 300


def test_a_model_pickles_as_its_file_bytes(tmp_path):
    model = LanguageIdentifier.load(TINY, languages=["aa", "bb"])
    payload = pickle.dumps(model)
    assert payload == pickle.dumps(model)  # deterministic
    assert len(payload) < TINY.stat().st_size + 1000
    copy = pickle.loads(payload)
    assert copy.backend == model.backend and copy.labels_ == model.labels_
    assert copy.predict_batch(TEXTS[:20]) == model.predict_batch(TEXTS[:20])
    assert copy._settings() == {"languages": ["aa", "bb"], "max_chars": None}
    texts, labels = synthetic_corpus(30)
    trained = LanguageIdentifier(memory_budget="40KB", config=TINY_CONFIG, epochs=1).fit(
        texts, labels)
    again = pickle.loads(pickle.dumps(trained))  # made in memory: encoded as save() would
    assert again.predict_batch(texts[:20]) == trained.predict_batch(texts[:20])
    assert pickle.loads(pickle.dumps(LanguageIdentifier(seed=3))).seed == 3  # not fitted
    tagger = PosTagger.load(REPO / "runtime" / "c" / "tests" / "golden" / "tiny-pos.snlp")
    assert pickle.loads(pickle.dumps(tagger)).tag(["ka", "ki"]) == tagger.tag(["ka", "ki"])


def _records() -> list[dict]:
    return [{"id": i, "text": text, "source": f"doc{i % 5}"} for i, text in enumerate(TEXTS)]


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install smallnlp[ray])")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    yield ray
    ray.shutdown()


def test_ray_labels_every_row_in_order(ray_cluster):
    from smallnlp.distributed.ray import identify, tag

    records = _records()
    dataset = ray_cluster.data.from_items(records)
    rows = identify(dataset, model=TINY, workers=2, batch_size=100).take_all()
    expected = LanguageIdentifier.load(TINY).predict_batch(TEXTS)
    assert [(r["id"], r["text"], r["source"]) for r in rows] == \
        [(r["id"], r["text"], r["source"]) for r in records]
    assert [r["language"] for r in rows] == [p.label for p in expected]
    assert np.allclose([r["language_probability"] for r in rows],
                       [p.probability for p in expected])
    restricted = identify(dataset, model=TINY, languages=["bb"], threshold=0.5,
                          label_column="lang", workers=2).take_all()
    expected = LanguageIdentifier.load(TINY, languages=["bb"]).predict_batch(TEXTS, 0.5)
    assert [r["lang"] for r in restricted] == [p.label for p in expected]
    sentences = ray_cluster.data.from_items([{"tokens": ["ka", "ki"]}, {"tokens": ["ko"]}])
    tagger = REPO / "runtime" / "c" / "tests" / "golden" / "tiny-pos.snlp"
    tagged = tag(sentences, model=tagger).take_all()
    assert [list(r["upos"]) for r in tagged] == PosTagger.load(tagger).tag_batch(
        [["ka", "ki"], ["ko"]])


def test_ray_fails_on_a_bad_row(ray_cluster):
    from smallnlp.distributed.ray import identify

    dataset = ray_cluster.data.from_items([{"text": "ka"}, {"text": 5}, {"text": "ko"}])
    with pytest.raises(Exception, match="str"):
        identify(dataset, model=TINY).take_all()


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("dask.dataframe", reason="Dask is not installed "
                        "(pip install smallnlp[dask])")
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_labels_every_row_and_text_in_order(dask_client):
    import dask.bag
    import dask.dataframe
    import pandas as pd

    from smallnlp.distributed.dask import identify_bag, identify_frame

    frame = pd.DataFrame(_records())
    labelled = identify_frame(dask.dataframe.from_pandas(frame, npartitions=4),
                              model=TINY).compute()
    expected = LanguageIdentifier.load(TINY).predict_batch(TEXTS)
    assert labelled[["id", "text", "source"]].to_dict("records") == _records()  # any dtypes
    assert labelled["language"].tolist() == [p.label for p in expected]
    assert np.allclose(labelled["language_probability"], [p.probability for p in expected])
    pairs = identify_bag(dask.bag.from_sequence(TEXTS, npartitions=3), model=TINY).compute()
    assert [label for label, _ in pairs] == [p.label for p in expected]
    with pytest.raises(TypeError):  # (a frame's column of strings has no 5: Dask makes "5")
        identify_bag(dask.bag.from_sequence(["ka", 5, "ko"], npartitions=1),
                     model=TINY).compute()


def test_spark_labels_every_row(tmp_path):
    pytest.importorskip("pyspark", reason="pyspark is not installed")
    import shutil

    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime, and there is none here")
    from pyspark.sql import SparkSession

    from smallnlp.distributed.spark import identify

    spark = (SparkSession.builder.master("local[2]").appName("smallnlp-test")
             .config("spark.ui.enabled", "false").getOrCreate())
    try:
        records = _records()[:500] + [{"id": 500, "text": None, "source": "doc0"}]
        frame = spark.createDataFrame(records, "id long, text string, source string")
        rows = sorted(identify(frame, model=TINY).collect(), key=lambda row: row["id"])
    finally:
        spark.stop()
    expected = LanguageIdentifier.load(TINY).predict_batch([r["text"] for r in records[:500]])
    assert [(r["id"], r["text"], r["source"]) for r in rows] == \
        [(r["id"], r["text"], r["source"]) for r in records]
    assert [r["language"] for r in rows] == [p.label for p in expected] + [None]


def test_dask_answers_every_row_once_when_a_worker_is_killed(dask_client):
    """A worker killed mid-job (SIGKILL, as the OOM killer does): its nanny
    starts another and the scheduler runs its tasks again; the result still
    has every row once, in order."""
    import os
    import signal
    import time

    import dask.dataframe
    import pandas as pd

    from smallnlp.distributed.dask import identify_frame

    texts = [f"{text} {i}" for i, text in enumerate(TEXTS * 400)]  # 840,000 rows
    frame = pd.DataFrame({"text": texts})
    future = dask_client.compute(identify_frame(
        dask.dataframe.from_pandas(frame, npartitions=400), model=TINY))
    victim = next(iter(dask_client.run(os.getpid).values()))
    time.sleep(1.0)
    assert not future.done(), "the job ended before the kill: give it more rows"
    os.kill(victim, signal.SIGKILL)
    labelled = future.result(timeout=300)
    assert labelled["text"].tolist() == texts
    expected = LanguageIdentifier.load(TINY).predict_batch(texts[:2000])
    assert labelled["language"].tolist()[:2000] == [p.label for p in expected]


def test_ray_answers_every_row_once_when_an_actor_is_killed(ray_cluster):
    """An actor's process killed mid-job (SIGKILL): Ray Data starts another
    and runs its batches again; every row comes back once, in order."""
    import os
    import signal
    import threading
    import time

    import psutil

    from smallnlp.distributed.ray import identify

    texts = [f"kakiko tonaru {i}" for i in range(1_000_000)]
    dataset = ray_cluster.data.from_items([{"text": t} for t in texts], override_num_blocks=400)
    result = {}
    job = threading.Thread(target=lambda: result.setdefault(
        "rows", identify(dataset, model=TINY, workers=2, batch_size=500).take_all()))
    job.start()
    actors = []
    deadline = time.monotonic() + 120
    while not actors and time.monotonic() < deadline and job.is_alive():
        time.sleep(0.2)
        actors = [p.pid for p in psutil.process_iter(["name"])
                  if (p.info["name"] or "").startswith("ray::MapWorker")]
    time.sleep(0.5)
    assert actors and job.is_alive(), "the job ended before the kill: give it more rows"
    os.kill(actors[0], signal.SIGKILL)
    job.join(timeout=600)
    assert [row["text"] for row in result["rows"]] == texts
