"""The C runtime's loader (runtime/c): its golden files agree with the Python
reader, and its own tests pass, also under AddressSanitizer and UBSan."""

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

RUNTIME = Path(__file__).resolve().parents[1] / "runtime" / "c"


def _golden_module():
    spec = importlib.util.spec_from_file_location("make_golden",
                                                  RUNTIME / "tests" / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["tiny-langid", "tiny-pos", "tiny-pos-members"])
def test_golden_expectations_are_what_python_reads(name):
    golden = _golden_module()
    model = RUNTIME / "tests" / "golden" / f"{name}.snlp"
    expected = model.with_suffix(".expected").read_text(encoding="utf-8")
    assert golden.mismatches(expected, golden.expected(model)) == []


def test_a_one_bit_change_of_a_weight_fails_the_golden_comparison(tmp_path):
    """The tolerance admits what machines differ by, not a changed model: the
    lowest bit of one 8-bit code of a row that a golden text pools, but that
    the file does not list, flipped (the CRC rewritten) moves its logits."""
    from smallnlp import modelfile
    from smallnlp.fileformat import embedding_arrays

    golden = _golden_module()
    model = RUNTIME / "tests" / "golden" / "tiny-langid.snlp"
    expected = model.with_suffix(".expected").read_text(encoding="utf-8")
    listed = {int(line.split()[2]) for line in expected.splitlines()
              if line.startswith("row 2 ")}
    pooled = [int(pair.split(":")[0]) for line in expected.splitlines()
              if line.startswith("features 0 2 ") for pair in line.split()[4:]]
    row = next(i for i in pooled if i not in listed)
    metadata, arrays, *_ = modelfile.load(model)
    arrays = {name: np.array(array) for name, array in arrays.items()}
    codes = arrays[embedding_arrays(2)[0]]
    codes[row, 0] ^= 1
    changed = tmp_path / "changed.snlp"
    modelfile.save(changed, metadata, arrays)
    differences = golden.mismatches(expected, golden.expected(changed))
    assert any("expected 'logits 0 " in d for d in differences), differences
    assert all("expected 'logits " in d for d in differences), differences


def _toolchain() -> None:
    if not (shutil.which("make") and shutil.which("cc")):
        pytest.skip("no C toolchain (make and cc) on this machine")


def _make(target: str, build: Path, compiler: str = "cc") -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-C", str(RUNTIME), target, f"BUILD={build}",
                           f"CC={compiler}"], capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("compiler", ["cc", "clang"])
def test_c_runtime_builds_warning_free_and_passes_its_tests(tmp_path, compiler):
    _toolchain()
    if not shutil.which(compiler):
        pytest.skip(f"{compiler} is not installed")
    result = _make("test", tmp_path, compiler)  # -Wall -Wextra -Werror -pedantic
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all C runtime checks passed" in result.stdout
    assert (tmp_path / "libsmallnlp.a").exists()


@pytest.mark.parametrize("target, sanitizers, passed", [
    ("test-asan", "address,undefined", "all C runtime checks passed"),
    ("test-tsan", "thread", "threads sharing a model answered as one: passed")])
def test_c_runtime_tests_pass_under_sanitizers(tmp_path, target, sanitizers, passed):
    _toolchain()
    probe = tmp_path / "probe.c"
    probe.write_text("int main(void) { return 0; }\n")
    if subprocess.run(["cc", f"-fsanitize={sanitizers}", str(probe), "-o",
                       str(tmp_path / "probe")], capture_output=True).returncode:
        pytest.skip(f"this compiler cannot build with -fsanitize={sanitizers}")
    result = _make(target, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert passed in result.stdout


# Text that exercises every normalisation step: compatibility forms, NFKC
# composition and reordering, Hangul, final sigma, markup, Catalan l·l, the
# ș/ş fold, controls and symbols.
TRICKY = ["𝐇𝐞𝐥𝐥𝐨 𝐰𝐨𝐫𝐥𝐝", "Ｈｅｌｌｏ ｔｈｅｒｅ", "ﬁne ﬂour", "ΟΔΟΣ ΣΟΦΟΣ Σ", "ὈΔΥΣΣΕΎΣ",
          "e\u0301te\u0301 a\u0323\u0302 q\u0307\u0323", "한국어 ᄒᆞᆫ글 ㄱㅏ", "ｶﾀｶﾅ ﾊﾟﾋﾟ",
          "<b>bold</b> a<b and <not closed", "coŀlegi col·legi", "știință ŞTIINŢĂ s\u0326i",
          "İstanbul ıI", "ﻣﺮﺣﺒﺎ ﺑﻚ", "™ ⓐ ㎏ ① ½", "\x00\x01 tab\there", "Ǆemal ǅ", "x" * 5000,
          "ﷺ ﷽", "ᾼ ᾈ ΐ", "Straße ẞ", ""]


def _build_demo(tmp_path: Path) -> Path:
    _toolchain()
    result = _make("all", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp_path / "langid"


def _random_lines(count: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    spans = [(0x20, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x600, 0x6FF),
             (0x900, 0x97F), (0x1100, 0x11FF), (0x1E00, 0x1FFF), (0x2000, 0x2BFF),
             (0x3000, 0x30FF), (0x3130, 0x318F), (0xAC00, 0xD7A3), (0xF900, 0xFFEF),
             (0x1D400, 0x1D7FF), (0x10000, 0x10FFFF)]
    lines = []
    for _ in range(count):
        chars = []
        for _ in range(int(rng.integers(1, 40))):
            low, high = spans[int(rng.integers(len(spans)))]
            cp = int(rng.integers(low, high + 1))
            if not (0xD800 <= cp <= 0xDFFF or cp in (0x0A, 0x0D)):
                chars.append(chr(cp))
        lines.append("".join(chars))
    return lines


def _c_answers(demo: Path, lines: list[str], options: tuple[str, ...] = ()
               ) -> list[list[tuple[str, float]]]:
    """The demo's answers: per line, its (label, probability) pairs."""
    model = Path(__file__).resolve().parents[1] / "models" / "langid.snlp"
    result = subprocess.run([str(demo), *options, str(model)], input="\n".join(lines) + "\n",
                            capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert result.returncode == 0, result.stderr
    rows = [row.split("\t") for row in result.stdout.splitlines()]
    return [[(row[i], float(row[i + 1])) for i in range(0, len(row), 2)] for row in rows]


def _assert_same_answers(demo: Path, lines: list[str]) -> None:
    from smallnlp import LanguageIdentifier

    python = LanguageIdentifier.load(backend="numpy").predict_batch(lines)
    c = _c_answers(demo, lines)
    assert len(c) == len(lines)
    differ = [(line[:60], p, q) for line, p, (q,) in zip(lines, python, c)
              if p.label != q[0] or abs(p.probability - q[1]) > 1e-4 + 5e-5]
    assert not differ, f"{len(differ)} of {len(lines)} differ, e.g. {differ[:3]}"


def test_the_c_demos_report_the_real_cause(tmp_path):
    demo = _build_demo(tmp_path)
    models = Path(__file__).resolve().parents[1] / "models"

    def run(program: Path, *arguments: str, stdout=subprocess.PIPE):
        return subprocess.run([str(program), *arguments], input=b"hello there\n",
                              stdout=stdout, stderr=subprocess.PIPE, timeout=60)

    for arguments, says in [((str(models),), b"a directory"),
                            ((str(models / "pos-en.snlp"),), b"not a language identifier"),
                            (("-l", "", str(models / "langid.snlp")), b"at least one language")]:
        result = run(demo, *arguments)
        assert result.returncode == 2 and says in result.stderr, result.stderr
        assert b"out of memory" not in result.stderr
    result = run(tmp_path / "tag", str(models / "langid.snlp"))
    assert result.returncode == 2 and b"not a tagger" in result.stderr
    if Path("/dev/full").exists():
        for program, model in ((demo, "langid.snlp"), (tmp_path / "tag", "pos-en.snlp")):
            with open("/dev/full", "wb") as full:
                result = run(program, str(models / model), stdout=full)
            assert result.returncode == 1 and b"No space left" in result.stderr


def test_c_language_id_answers_as_python_on_tricky_and_random_text(tmp_path):
    _assert_same_answers(_build_demo(tmp_path), TRICKY + _random_lines(3000, seed=7))


def test_c_top_k_among_languages_answers_as_python(tmp_path):
    from smallnlp import LanguageIdentifier

    lines = TRICKY + _random_lines(500, seed=8) + ["Das ist ein Haus", "dit is een huis"]
    languages = ["de", "en", "nl", "ru", "zh"]
    model = LanguageIdentifier.load(languages=languages, backend="numpy")
    python = model.top_k_batch(lines, 3)
    c = _c_answers(_build_demo(tmp_path), lines, ("-k", "3", "-l", ",".join(languages)))
    assert len(c) == len(lines)
    # 8-bit dense layers: an input can round to a neighbouring code (_assert_backends_agree)
    tolerance = 1e-2 if model.network_.dense_int8 else 1e-4
    for line, p, q in zip(lines, python, c):
        assert [a.label for a in p] == [label for label, _ in q], line
        assert [a.probability for a in p] == pytest.approx([x for _, x in q], abs=tolerance), line


def _composing_lines(count: int, seed: int) -> list[str]:
    """Lines dense in what NFKC reorders and composes: letters that compose,
    the marks they compose with, other marks, Hangul jamo and syllables, and
    plain letters between them (text.c normalises the stretches between
    "quiet" letters one by one)."""
    import unicodedata

    pool = ["a", "e", "k", " ", "\u1100", "\u1161", "\u11a8", "\uac00", "\u0b47", "\u0b3e"]
    for cp in range(0x10000):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            pool += [chr(int(parts[0], 16)), chr(int(parts[1], 16)), chr(cp)]
        elif unicodedata.combining(chr(cp)) and cp % 7 == 0:
            pool.append(chr(cp))
    rng = np.random.default_rng(seed)
    return ["".join(pool[int(i)] for i in rng.integers(len(pool), size=int(rng.integers(1, 12))))
            for _ in range(count)]


def _marked_lines(count: int, seed: int) -> list[str]:
    """Letters followed by runs of marks in random order: marks that compose
    with nothing (viramas, harakat, Thai and Myanmar signs), which text.c
    keeps as they are when they are in canonical order, and a few that
    compose (nukta, acute) or decompose (Thai sara am)."""
    letters = "kaक\u0915\u0628\u0e01\u1000\u0d15\u00e9\u01d6"
    marks = ("\u094d\u093c\u093f\u064e\u064f\u0650\u0651\u0652\u0e48\u0e38\u0e33"
             "\u1037\u1039\u103a\u0d4d\u0301\u0323\u05b0\u05b8")
    rng = np.random.default_rng(seed)
    return ["".join(letters[int(rng.integers(len(letters)))]
                    + "".join(marks[int(i)] for i in rng.integers(len(marks),
                                                                  size=int(rng.integers(0, 4))))
                    for _ in range(int(rng.integers(1, 6))))
            for _ in range(count)]


def _test_extension(tmp_path):
    """runtime/c/python/test_module.c built here (`make test-extension`): the
    normalisation steps, which the shipped extension does not expose."""
    import sysconfig

    _toolchain()
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        pytest.skip("no Python headers here")
    build = subprocess.run(["make", "-C", str(RUNTIME), "test-extension", f"BUILD={tmp_path}",
                            f"PYTHON={sys.executable}", "CFLAGS=-O1"],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout + build.stderr
    spec = importlib.util.spec_from_file_location("_runtime_test",
                                                  tmp_path / "python" / "_runtime_test.so")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_extension_exposes_no_internals():
    try:
        from smallnlp import _runtime
    except ImportError:
        pytest.skip("the C extension is not built here (no compiler at install time)")
    assert [name for name in dir(_runtime) if not name.startswith("__")] == ["Model"]


def test_the_c_normalisation_is_pythons(tmp_path):
    _runtime = _test_extension(tmp_path)
    from smallnlp.features.batch import frame_token
    from smallnlp.text import normalize

    rng = np.random.default_rng(5)  # ASCII, which text.c normalises in one pass
    ascii_lines = ["".join(chr(int(c)) for c in rng.integers(0, 128, size=int(n)))
                   for n in rng.integers(0, 60, size=3000)]
    lines = (TRICKY + _random_lines(3000, seed=3) + _composing_lines(20000, seed=4)
             + _marked_lines(5000, seed=6) + ascii_lines + ["a\ud800b \udfff"])
    text_differ = [line for line in lines
                   if _runtime.normalize_text(line).split() != normalize(line)]
    token_differ = [line for line in lines
                    if _runtime.normalize_token(line) != frame_token(line)[1:-1]]
    assert not text_differ, f"{len(text_differ)} texts differ, e.g. {text_differ[:3]!r}"
    assert not token_differ, f"{len(token_differ)} tokens differ, e.g. {token_differ[:3]!r}"


def test_the_unicode_tables_are_those_of_this_python(tmp_path):
    import unicodedata

    tables = RUNTIME / "src" / "unicode_tables.c"
    if f"(Unicode {unicodedata.unidata_version})" not in tables.read_text(encoding="utf-8"):
        pytest.skip(f"the tables were made with another Unicode than this Python's "
                    f"{unicodedata.unidata_version}")
    fresh = tmp_path / "unicode_tables.c"
    subprocess.run([sys.executable, str(RUNTIME / "tools" / "gen_unicode.py"), "--output",
                    str(fresh)], check=True, capture_output=True)
    body = lambda text: text.split("\n", 1)[1]  # noqa: E731  (line 1 names the Python)
    assert body(fresh.read_text(encoding="utf-8")) == body(tables.read_text(encoding="utf-8"))


def _backends():
    from smallnlp import LanguageIdentifier

    c = LanguageIdentifier.load(backend="auto")
    if c.backend != "c":
        pytest.skip("the C extension is not built here (no compiler at install time)")
    return c, LanguageIdentifier.load(backend="numpy")


def _assert_backends_agree(texts: list[str]) -> None:
    """The same labels; probabilities within 1e-4 (the C runtime's float32
    dense layers against numpy's float64). With 8-bit dense layers (the
    shipped model's), an input that differs in its last bit can round to
    another int8 code: then within 1e-2, and 1e-4 for 995 texts of 1,000
    (measured on the dev lines: all but 61 of 49,373, at most 4.6e-3)."""
    c, numpy_model = _backends()
    assert (c.backend, numpy_model.backend) == ("c", "numpy")
    p, q = c.predict_proba(texts), numpy_model.predict_proba(texts)
    assert (p.argmax(axis=1) == q.argmax(axis=1)).all()
    assert (p.max(axis=1) > 0).tolist() == (q.max(axis=1) > 0).tolist()  # "und" alike
    if c.network_.dense_int8:
        np.testing.assert_allclose(p, q, atol=1e-2)
        assert np.mean(np.abs(p - q).max(axis=1) <= 1e-4) >= 0.995
    else:
        np.testing.assert_allclose(p, q, atol=1e-4)


def test_the_c_backend_answers_as_numpy_on_tricky_and_random_text():
    _assert_backends_agree(TRICKY + _random_lines(3000, seed=11)
                           + ["a\ud800b lone \udfff surrogates"])


def test_predict_batch_answers_as_numpy_whatever_kind_of_str():
    """predict_batch hands the runtime each str as Python keeps it (ASCII as
    UTF-8, else Latin-1, UCS-2 or UCS-4 code points), and 4 texts' dense
    layers at once: the answers of the numpy backend, in a batch whose size
    is not a multiple of 4."""
    c, numpy_model = _backends()
    texts = (TRICKY + _random_lines(1001, seed=12)
             + ["Größe und Maß", "a\ud800b lone \udfff surrogates", "𝐇𝐞𝐥𝐥𝐨 wörld"])
    largest = [max(map(ord, t)) for t in texts if t]
    kinds = {"ascii" if m < 0x80 else "latin-1" if m <= 0xFF else "ucs-2" if m <= 0xFFFF
             else "ucs-4" for m in largest}
    assert kinds == {"ascii", "latin-1", "ucs-2", "ucs-4"} and len(texts) % 4
    p, q = c.predict_batch(texts), numpy_model.predict_batch(texts)
    assert [a.label for a in p] == [b.label for b in q]
    np.testing.assert_allclose([a.probability for a in p], [b.probability for b in q],
                               atol=1e-2 if c.network_.dense_int8 else 1e-4)


def test_the_c_backend_answers_as_numpy_on_long_repetitive_text():
    """A float32 sum in feature order drifts with the count (1.3e-3 on the
    last text before pooling summed runs in double)."""
    _assert_backends_agree([letter * count for letter in ("a", "я", "中", "bé")
                            for count in (1000, 5000, 20000)]
                           + ["Das ist ein Haus. " * 1000])


def test_the_c_backend_answers_as_numpy_on_every_dev_line():
    from smallnlp.datasets import read_labelled_dir

    from .conftest import require_shared_data

    texts, _ = read_labelled_dir(require_shared_data() / "langid" / "dev")
    _assert_backends_agree(texts)


def test_the_c_backend_keeps_languages_threshold_and_threads():
    from concurrent.futures import ThreadPoolExecutor

    c, numpy_model = _backends()
    for model in (c, numpy_model):
        model.set_languages(["de", "nl"])
    texts = ["Das ist gut", "Dat is goed", "This is English", "Ｄａｓ ｉｓｔ ｇｕｔ"] * 50
    for a, b in zip(c.predict_batch(texts, threshold=0.3),
                    numpy_model.predict_batch(texts, threshold=0.3)):
        assert a.label == b.label in ("de", "nl", "und")
        assert a.probability == pytest.approx(b.probability, abs=1e-4)
    for a, b in zip(c.top_k_batch(texts + TRICKY, 4), numpy_model.top_k_batch(texts + TRICKY, 4)):
        assert [x.label for x in a] == [x.label for x in b]
        assert [x.probability for x in a] == pytest.approx([x.probability for x in b], abs=1e-4)
    assert c.predict("Das ist gut") == c.predict_batch(["Das ist gut"])[0]
    assert c.predict_proba(["Das ist gut"])[0].max() == c.predict("Das ist gut").probability
    with ThreadPoolExecutor(4) as pool:  # batches release the GIL
        answers = list(pool.map(c.predict_batch, [texts] * 8))
        singles = list(pool.map(c.predict, texts * 4))  # each call takes the kept state
    assert all(a == answers[0] for a in answers)
    assert singles == answers[0] * 4


def test_the_c_backend_keeps_one_small_state_between_calls():
    """A call reuses the last call's state (its buffers), trimmed to 16 KB, so
    a loaded model holds little more than before its first call, also after a
    long text; and it is kept after a line of a usual length (whose state
    outgrew 16 KB, and so was made anew on every call before it was trimmed)."""
    c, _ = _backends()
    opened = c.predictor_.heap_bytes()
    first = c.predict("Das ist ein kleiner Test")
    kept = c.predictor_.heap_bytes()
    assert opened < kept <= opened + 16384
    assert c.predict("Das ist ein kleiner Test") == first  # on the kept state
    c.predict("Das ist ein Haus. " * 300)  # its buffers grow past what is kept
    assert opened < c.predictor_.heap_bytes() <= opened + 16384
    assert c.predict("Das ist ein kleiner Test") == first
    assert opened < c.predictor_.heap_bytes() <= opened + 16384
    c.predict("Das ist ein Haus, und das ist ein Garten. " * 3)  # 126 characters
    assert opened < c.predictor_.heap_bytes() <= opened + 16384


def test_backend_choice_and_refusals(tmp_path):
    from smallnlp import LanguageIdentifier, modelfile

    with pytest.raises(ValueError, match="backend must be one of"):
        LanguageIdentifier.load(backend="gpu")
    shipped = Path(__file__).resolve().parents[1] / "models" / "langid.snlp"
    metadata, arrays, *_ = modelfile.load(shipped)
    metadata["featurizer"]["version"] = 1  # rules the C runtime does not implement
    modelfile.save(tmp_path / "v1.snlp", metadata, {k: np.array(a) for k, a in arrays.items()})
    assert LanguageIdentifier.load(tmp_path / "v1.snlp").backend == "numpy"
    _backends()
    with pytest.raises(ValueError, match="featurizer version 1"):
        LanguageIdentifier.load(tmp_path / "v1.snlp", backend="c")


def test_training_a_loaded_model_leaves_the_c_backend():
    """fit() makes new weights: the C model, opened over the old file, must go."""
    from smallnlp import LanguageIdentifier

    from .conftest import TINY_CONFIG, synthetic_corpus

    model = LanguageIdentifier.load(RUNTIME / "tests" / "golden" / "tiny-langid.snlp")
    if model.backend != "c":
        pytest.skip("the C extension is not built here (no compiler at install time)")
    texts, labels = synthetic_corpus(20)
    model.memory_budget, model.config, model.epochs = "40KB", TINY_CONFIG, 1
    model.fit(texts, labels)
    assert model.backend == "numpy"


def test_the_webassembly_build_answers_as_the_native_one(tmp_path):
    """The demo built for wasm32-wasi and run under node's WASI prints what the
    native demo prints (skipped without clang, lld, a WASI sysroot and node)."""
    if not (shutil.which("clang") and shutil.which("node")):
        pytest.skip("clang or node is not installed")
    build = _make("wasm", tmp_path, "cc")
    if build.returncode:
        pytest.skip("no wasm32-wasi toolchain here (Debian: clang, lld, wasi-libc, "
                    "libclang-rt-14-dev-wasm32): " + build.stderr.strip().splitlines()[-1])
    native = _build_demo(tmp_path / "native")
    lines = TRICKY + _random_lines(500, seed=3)
    model = Path(__file__).resolve().parents[1] / "models" / "langid.snlp"
    wasm = subprocess.run(["node", str(RUNTIME / "examples" / "run_wasi.mjs"),
                           str(tmp_path / "wasm" / "langid.wasm"), str(model)],
                          input="\n".join(lines) + "\n", capture_output=True, text=True,
                          encoding="utf-8", timeout=600)
    assert wasm.returncode == 0, wasm.stderr
    assert wasm.stdout.splitlines() == [f"{label}\t{p:.4f}" for (label, p), in
                                        _c_answers(native, lines)]
    lines += SPAN_LINES
    spans = [subprocess.run(command + ["-s", str(model)], input="\n".join(lines) + "\n",
                            capture_output=True, text=True, encoding="utf-8", timeout=600)
             for command in (["node", str(RUNTIME / "examples" / "run_wasi.mjs"),
                              str(tmp_path / "wasm" / "langid.wasm")], [str(native)])]
    assert spans[0].returncode == 0, spans[0].stderr
    assert spans[0].stdout == spans[1].stdout


SPAN_LINES = ["Das ist ein kleines Haus und es gefällt mir sehr gut. This is a small house.",
              "Ich habe heute keine Zeit, because I have to work all day long, aber morgen.",
              "😀 Ceci est une phrase. Это предложение. 这是一个中文句子。",
              "<b>x</b> e\u0301te\u0301"]


def test_the_demo_prints_the_spans_python_finds(tmp_path):
    """`langid -s` (snlp_langid_spans, byte offsets) against
    LanguageIdentifier.spans (character offsets) on mixed and random lines."""
    from smallnlp import LanguageIdentifier

    demo = _build_demo(tmp_path)
    lines = SPAN_LINES + TRICKY + _random_lines(200, seed=4)
    model = Path(__file__).resolve().parents[1] / "models" / "langid.snlp"
    result = subprocess.run([str(demo), "-s", str(model)], input="\n".join(lines) + "\n",
                            capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert result.returncode == 0, result.stderr

    def in_bytes(text: str, offset: int) -> int:
        return len(text[:offset].encode("utf-8", "surrogatepass"))
    expected = [" ".join(f"{s.label}:{in_bytes(text, s.start)}:{in_bytes(text, s.end)}:"
                         f"{s.probability:.4f}" for s in spans)
                for text, spans in zip(lines, LanguageIdentifier.load(backend="numpy")
                                       .spans_batch(lines))]

    def without_probabilities(lines: list[str]) -> list[list[str]]:  # within 1e-4 apart
        return [[span.rsplit(":", 1)[0] for span in line.split(" ")] for line in lines]
    assert without_probabilities(result.stdout.splitlines()) == without_probabilities(expected)


def _taggers(path):
    from smallnlp.pos import PosTagger

    _toolchain()
    try:
        c = PosTagger.load(path, backend="c")
    except ValueError as exc:
        pytest.skip(f"the C extension is not usable here: {exc}")
    return c, PosTagger.load(path, backend="numpy")


def test_the_c_tagger_tags_as_numpy_on_random_tokens():
    c, numpy_tagger = _taggers(RUNTIME / "tests" / "golden" / "tiny-pos.snlp")
    assert (c.backend, numpy_tagger.backend) == ("c", "numpy")
    rng = np.random.default_rng(5)
    words = _random_lines(400, seed=9) + TRICKY + ["", "^", "$", "^$", "1984", "３１", "İI",
                                                   "ΣΑΣ", "e\u0301", "a\ud800b"]
    sentences = [[words[int(i)] for i in rng.integers(len(words), size=int(rng.integers(0, 30)))]
                 for _ in range(300)]
    sentences.append([words[i % len(words)] for i in range(2500)])  # tagged in pieces
    assert c.tag_batch(sentences) == numpy_tagger.tag_batch(sentences)
    assert c.tag(["the", "cat"]) == numpy_tagger.tag(["the", "cat"])


def test_the_c_tagger_tags_as_numpy_on_every_shipped_treebank_dev_split():
    import tomllib

    from smallnlp.datasets import read_conllu

    from .conftest import require_shared_data

    data = require_shared_data()
    treebanks = tomllib.loads((RUNTIME.parents[1] / "configs" / "pos_models.toml").read_text())
    for name, entry in treebanks["treebanks"].items():
        c, numpy_tagger = _taggers(entry["code"])
        sentences = [s.forms for s in read_conllu(data / "ud" / name / "dev.conllu")]
        assert c.tag_batch(sentences) == numpy_tagger.tag_batch(sentences), name


def test_predict_takes_its_own_path_to_predict_batchs_answers():
    """predict() asks the backend for one text's best label alone (langid_answer
    in C): the same answers as predict_batch, with a subset and a threshold,
    for text without letters, non-ASCII, lone surrogates and past max_chars."""
    c, numpy_model = _backends()
    texts = TRICKY + _random_lines(300, seed=5) + ["Das ist gut. " * 1000, "", "\ud800"]
    for model in (c, numpy_model):
        for languages, threshold in ((None, 0.0), (["de", "nl", "ru"], 0.6)):
            model.set_languages(languages)
            assert [model.predict(t, threshold) for t in texts] == model.predict_batch(
                texts, threshold)
        model.set_languages(None)


def test_the_c_runtime_makes_predictions_the_cycle_collector_skips():
    """The extension builds predict's answers itself: Predictions like those of
    numpy, which hold a str and a float and so are left untracked (a batch of
    tracked ones cost its collections about a microsecond a text)."""
    import gc

    from smallnlp.langid import Prediction

    c, numpy_model = _backends()
    texts = ["Das ist gut", "Ceci n'est pas une pipe", "123 !!", ""]
    for answers in (c.predict_batch(texts, 0.5), [c.predict(t, 0.5) for t in texts]):
        reference = numpy_model.predict_batch(texts, 0.5)
        assert [a.label for a in answers] == [a.label for a in reference] == [
            "de", "fr", "und", "und"]
        assert [a.probability for a in answers] == pytest.approx(
            [a.probability for a in reference], abs=1e-6)
        assert all(type(a) is Prediction and a.label == a[0] for a in answers)
        made_in_python = [Prediction(*a) for a in answers]  # equal, so hashed alike
        assert [hash(a) for a in answers] == [hash(a) for a in made_in_python]
        assert {a: i for i, a in enumerate(made_in_python)}[answers[1]] == 1
        assert not any(gc.is_tracked(a) for a in answers)
    model = c.predictor_._model
    names = (*c.labels_, "und")
    with pytest.raises(TypeError, match="names"):
        model.langid_answer(names[:-1], Prediction, "Das ist gut", None, 0.0)
    with pytest.raises(TypeError, match="subtype of tuple"):
        model.langid_answers(names, list, ["Das ist gut"], None, 0.0)
    with pytest.raises(ValueError, match="allowed"):  # a subset is a byte (a bool) per label
        model.langid_answer(names, Prediction, "Das ist gut", np.ones(3, dtype=bool), 0.0)
    flags = np.zeros(len(c.labels_), dtype=bool)
    flags[c.labels_.index("nl")] = True
    for allowed in (flags, flags.tobytes()):
        assert model.langid_answer(names, Prediction, "Das ist gut", allowed, 0.0).label == "nl"


def test_the_command_line_chooses_the_backend():
    from click.testing import CliRunner

    from smallnlp.cli import main

    _backends()
    runner = CliRunner()
    texts = ["Das ist gut", "Ceci n'est pas une pipe", "ΣΑΣ"]
    outputs = [runner.invoke(main, ["langid", "--backend", b, *texts]) for b in ("c", "numpy")]
    assert all(r.exit_code == 0 for r in outputs)
    assert outputs[0].output == outputs[1].output
    tagged = [runner.invoke(main, ["pos", "--backend", b, "The cat sat ."]) for b in ("c", "numpy")]
    assert tagged[0].output == tagged[1].output == "The/DET cat/NOUN sat/VERB ./PUNCT\n"
    info = runner.invoke(main, ["info", str(RUNTIME.parents[1] / "models" / "langid.snlp")])
    assert "predicts with the C runtime" in info.output
    refused = runner.invoke(main, ["langid", "--backend", "gpu", "x"])
    assert refused.exit_code == 2


def test_fuzzing_model_files_finds_nothing(tmp_path):
    """libFuzzer on model files (checksums made valid) for a bounded time,
    under ASan and UBSan; skipped without clang's libFuzzer."""
    _toolchain()
    if not shutil.which("clang"):
        pytest.skip("clang is not installed")
    probe = tmp_path / "probe.c"
    probe.write_text("#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput("
                     "const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
    if subprocess.run(["clang", "-fsanitize=fuzzer", str(probe), "-o", str(tmp_path / "probe")],
                      capture_output=True).returncode:
        pytest.skip("clang here has no libFuzzer")
    result = subprocess.run(["make", "-C", str(RUNTIME), "fuzz", f"BUILD={tmp_path}",
                             "FUZZ_SECONDS=15"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done" in result.stderr


class _Lying(Sequence):
    """A sequence whose len() says 1 but which yields all its items."""

    def __init__(self, items):
        self.items = list(items)

    def __len__(self):
        return 1

    def __getitem__(self, index):
        return self.items[index]

    def __iter__(self):
        return iter(self.items)


class _Growing(list):
    """A list that grows while it is iterated (by one item, once)."""

    def __iter__(self):
        for index, item in enumerate(list.__iter__(self)):
            if index == 0:
                self.append(item)
            yield item


def _lying_inputs(items):
    """Inputs that misstate or change their length, each with what it yields."""
    return [(_Lying(items), items), ((item for item in items), items),
            (_Growing(items), items + items[:1])]


def test_the_c_extension_sizes_buffers_from_what_it_iterated():
    """Its buffers once came from len(): a sequence that says 1 and yields 3
    was a heap overflow (ASan: module.c). Now it answers what it iterated."""
    from smallnlp import LanguageIdentifier, PosTagger

    lid, tagger = LanguageIdentifier.load(backend="auto"), PosTagger.load("en", backend="auto")
    if lid.backend != "c" or tagger.backend != "c":
        pytest.skip("the C extension is not built here (no compiler at install time)")
    from smallnlp import _runtime
    from smallnlp.config import shipped_file
    from smallnlp.pos import model_path_for

    c_lid = _runtime.Model(shipped_file("models", "langid.snlp").read_bytes())
    c_tagger = _runtime.Model(model_path_for("en").read_bytes())
    texts = ["Das ist gut", "Hello there", "quelle eau"]
    sentences = [["The", "cat", "sat", "."], ["Hello", "!"], ["a"]]
    for given, yielded in _lying_inputs(texts):
        assert c_lid.langid_proba(given, None) == c_lid.langid_proba(yielded, None)
    for given, yielded in _lying_inputs(texts):
        assert c_lid.langid_top_k(given, 3, None) == c_lid.langid_top_k(yielded, 3, None)
    for given, yielded in _lying_inputs(sentences):
        assert c_tagger.pos_tags(given) == c_tagger.pos_tags(yielded)
    for given, yielded in _lying_inputs(["The", "cat", "sat", "."]):
        assert c_tagger.pos_tags([given]) == c_tagger.pos_tags([yielded])
    with pytest.raises(TypeError):
        c_tagger.pos_tags([["fine"], 5])
    with pytest.raises(TypeError):
        c_lid.langid_proba(["fine", 5], None)


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_every_public_batch_method_takes_what_it_iterates(backend):
    from smallnlp import LanguageIdentifier, PosTagger

    try:
        lid = LanguageIdentifier.load(backend=backend)
        tagger = PosTagger.load("en", backend=backend)
    except ValueError as exc:  # the C backend is not built here
        pytest.skip(str(exc))
    texts = ["Das ist gut", "Hello there", "quelle eau"]
    sentences = [["The", "cat", "sat", "."], ["Hello", "!"], ["a"]]
    for given, yielded in _lying_inputs(texts):
        assert np.array_equal(lid.predict_proba(given), lid.predict_proba(yielded))
    for given, yielded in _lying_inputs(texts):
        assert lid.predict_batch(given) == lid.predict_batch(yielded)
    for given, yielded in _lying_inputs(texts):
        assert lid.top_k_batch(given, 2) == lid.top_k_batch(yielded, 2)
    for given, yielded in _lying_inputs(sentences)[::2]:  # a generator is no list of sentences
        assert tagger.tag_batch(given) == tagger.tag_batch(yielded)
    for given, yielded in _lying_inputs(["The", "cat", "sat", "."]):
        assert tagger.tag_batch([given]) == tagger.tag_batch([yielded])
