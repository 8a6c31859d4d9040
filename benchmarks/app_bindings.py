"""The app bindings side by side, in one run on one core (issue 27): identify()
calls per second and load time in Node, smallnlp's JavaScript package against
cld3-asm (CLD3 in WebAssembly, `npm ci --prefix benchmarks/js`), on the same
dev sentences; the download of each (raw and gzip); and calls per second from
Java (the JNI binding) and from Python (the C extension).

    python benchmarks/app_bindings.py [--texts 10000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import tempfile
from pathlib import Path

from c_runtime import interleaved, one_call_each
from common import DATA, REPO, machine, single_core

JS = REPO / "runtime" / "js"
CLD3_BUNDLE = REPO / "benchmarks/js/node_modules/cld3-asm/dist/esm/lib/browser/cld3.js"


def dev_sentences(count: int) -> list[str]:
    import numpy as np

    from smallnlp.datasets import read_labelled_dir

    texts, _ = read_labelled_dir(DATA / "langid" / "dev")
    order = np.random.default_rng(0).permutation(len(texts))[:count]
    return [texts[i] for i in order]


def sizes(*files: Path) -> tuple[int, int]:
    """Bytes of the files, raw and each gzipped (-9), summed."""
    raw = sum(f.stat().st_size for f in files)
    return raw, sum(len(gzip.compress(f.read_bytes(), 9)) for f in files)


def python_seconds_per_call(texts: list[str], rounds: int) -> float:
    import smallnlp

    lid = smallnlp.load("langid")
    return interleaved({"python": (one_call_each(lid.predict, texts), len(texts))},
                       rounds)["python"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    single_core()
    texts = dev_sentences(args.texts)
    model = REPO / "models" / "langid.snlp"
    small = REPO / "models" / "langid-small.snlp"
    with tempfile.TemporaryDirectory() as folder:
        build = Path(folder)
        subprocess.run(["make", "-s", "-C", str(JS), f"DIST={build}"], check=True)
        subprocess.run(["make", "-s", "-C", str(REPO / "runtime" / "java"), "all",
                        f"BUILD={build}/java"], check=True)
        subprocess.run(["javac", "-cp", f"{build}/java/classes", "-d", f"{build}/bench",
                        str(REPO / "benchmarks/java/IdentifySpeed.java")], check=True)
        (build / "texts.json").write_text(json.dumps(texts))
        (build / "texts.txt").write_text("\n".join(texts) + "\n")
        node = json.loads(subprocess.run(
            ["node", str(REPO / "benchmarks/js/identify_speed.mjs"), str(build / "smallnlp.wasm"),
             str(build / "texts.json"), str(args.rounds), str(model), str(small)],
            check=True, capture_output=True, text=True).stdout)
        java = json.loads(subprocess.run(
            ["java", f"-Djava.library.path={build}/java", "-cp",
             f"{build}/java/classes:{build}/bench", "IdentifySpeed", str(model),
             str(build / "texts.txt"), str(args.rounds)],
            check=True, capture_output=True, text=True).stdout)
        package = sizes(build / "smallnlp.wasm", JS / "src" / "index.js")
    python = python_seconds_per_call(texts, args.rounds)

    cld3 = node["cld3"]
    print(f"{machine()}; {len(texts):,} dev sentences, {args.rounds} rounds\n")
    print("| in Node | model | calls/s | × cld3-asm | load ms | download bytes | gzip bytes |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for path in (model, small):
        run = node[path.stem]
        raw, zipped = (a + b for a, b in zip(package, sizes(path)))
        print(f"| smallnlp package | {path.stem} | {1 / run['seconds_per_call']:,.0f} | "
              f"{cld3['seconds_per_call'] / run['seconds_per_call']:.2f} | "
              f"{node['smallnlp_start_ms'] + run['load_ms']:.1f} | {raw:,} | {zipped:,} |")
    raw, zipped = sizes(CLD3_BUNDLE)
    print(f"| cld3-asm 4.0.0 | built in | {1 / cld3['seconds_per_call']:,.0f} | 1.00 | "
          f"{cld3['load_ms']:.1f} | {raw:,} | {zipped:,} |")
    print(f"\nLoad: the WebAssembly start ({node['smallnlp_start_ms']:.1f} ms, once) and the "
          "model. Download: smallnlp.wasm, index.js and the model; cld3-asm's browser bundle "
          f"(its model inside). The package alone: {package[0]:,} bytes, {package[1]:,} "
          "gzipped.\n")
    print("| from | model | calls/s | load ms |")
    print("|---|---|---:|---:|")
    print(f"| Java (JNI binding) | langid | {1 / java['seconds_per_call']:,.0f} | "
          f"{java['load_ms']:.1f} |")
    print(f"| Python (C extension), predict() | langid | {1 / python:,.0f} | |")


if __name__ == "__main__":
    main()
