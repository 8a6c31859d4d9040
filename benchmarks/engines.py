"""Language ID on Ray Data and Dask against a plain predict_batch loop: the
same texts (langid dev lines repeated, default 100,000), 1 and 2 workers, on
a local cluster started here (engine start-up not timed; best of three runs
of the labelling itself). Ray's results stay in its object store
(``materialize``), as when a pipeline writes them out from the workers; Dask's
are collected into one pandas frame here.

    python benchmarks/engines.py [--texts 100000]
"""

from __future__ import annotations

import argparse
import itertools

from common import DATA, best_of, machine, one_blas_thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=100_000)
    args = parser.parse_args()
    one_blas_thread()
    from smallnlp import LanguageIdentifier
    from smallnlp.datasets import read_labelled_dir

    dev, _ = read_labelled_dir(DATA / "langid" / "dev")
    texts = list(itertools.islice(itertools.cycle(dev), args.texts))
    model = LanguageIdentifier.load()
    rows = [("predict_batch loop, one process", 1, best_of(
        lambda: [model.predict_batch(texts[i:i + 1000]) for i in range(0, len(texts), 1000)]))]

    import ray

    from smallnlp.distributed.ray import identify
    for workers in (1, 2):
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
        dataset = ray.data.from_items([{"text": t} for t in texts]).materialize()
        rows.append(("Ray Data, identify()", workers, best_of(
            lambda d=dataset, w=workers: identify(d, model=model, workers=w).materialize())))
        ray.shutdown()

    import dask.bag
    import dask.dataframe
    import pandas as pd
    from distributed import Client, LocalCluster

    from smallnlp.distributed.dask import identify_frame
    frame = pd.DataFrame({"text": texts})
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster):
            partitions = dask.dataframe.from_pandas(frame, npartitions=8 * workers).persist()
            rows.append(("Dask, identify_frame()", workers, best_of(
                lambda p=partitions: identify_frame(p, model=model).compute())))

    print(f"{len(texts):,} dev texts (repeated); {machine()}; backend {model.backend}\n")
    print("| engine | workers | seconds | texts/s | against the loop |")
    print("|---|---:|---:|---:|---:|")
    base = rows[0][2]
    for name, workers, seconds in rows:
        print(f"| {name} | {workers} | {seconds:.2f} | {len(texts) / seconds:,.0f} | "
              f"{base / seconds:.2f}× |")


if __name__ == "__main__":
    main()
