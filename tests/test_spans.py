"""Language spans and shares of mixed-language text (LanguageIdentifier.spans,
language_shares), with the shipped model."""

import numpy as np
import pytest

from smallnlp import LanguageIdentifier
from smallnlp.spans import best_labels, words_of

MIXED = ("Das ist ein kleines Haus und es gefällt mir sehr gut. This is a small house "
         "and I like it very much. C'est une petite maison et je l'aime beaucoup.")
ODD = ["", " ", "123 !!", "😀😀", "\ud800", "\x00\x01 abc", "<b>bold</b> text here",
       "e\u0301te\u0301 a\u0323\u0302", "Das ist\r\nein Test 😀 mit Emoji 𝐇𝐞𝐥𝐥𝐨", "x" * 10_000]


@pytest.fixture(scope="module", params=["auto", "numpy"])
def model(request):
    return LanguageIdentifier.load(backend=request.param)


def assert_covers(text, spans):
    assert spans[0].start == 0 and spans[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(spans, spans[1:]))
    assert all(a.label != b.label for a, b in zip(spans, spans[1:]))
    assert all(s.start < s.end for s in spans) or text == ""


def test_mixed_text_gets_a_span_per_language(model):
    spans = model.spans(MIXED)
    assert [s.label for s in spans] == ["de", "en", "fr"]
    assert_covers(MIXED, spans)
    assert MIXED[spans[1].start:].startswith("This is")
    assert MIXED[spans[0].start:spans[0].end].endswith("gut. ")  # the gap ends the earlier span
    shares = model.language_shares(MIXED)
    assert [s.label for s in shares] == ["de", "fr", "en"] or {s.label for s in shares} == {
        "de", "en", "fr"}
    assert sum(s.share for s in shares) == pytest.approx(1.0)


def test_a_few_words_of_another_language_open_a_span_and_one_word_does_not(model):
    switched = ("Ich habe heute leider keine Zeit, because I have to work all day long, aber "
                "morgen habe ich wieder viel Zeit für dich.")
    spans = model.spans(switched)
    assert [s.label for s in spans] == ["de", "en", "de"]
    assert switched[spans[1].start:spans[1].end] == "because I have to work all day long, "
    one_word = "Ich habe heute leider keine Zeit für das Meeting, aber morgen gerne wieder."
    assert [s.label for s in model.spans(one_word)] == ["de"]


@pytest.mark.parametrize("text", ODD)
def test_spans_cover_any_text_and_offsets_count_python_characters(model, text):
    spans = model.spans(text)
    assert_covers(text, spans)
    if not words_of(text):
        assert spans == [(0, len(text), "und", 0.0)]
        assert model.language_shares(text) == []


def test_offsets_are_right_around_emoji_combining_marks_and_crlf(model):
    text = "😀 Das ist ein sch\u006f\u0308nes Haus.\r\n😀 This is a house, a big one. 😀"
    spans = model.spans(text)
    assert_covers(text, spans)
    assert [s.label for s in spans] == ["de", "en"]
    assert text[spans[1].start:spans[1].end] == "This is a house, a big one. 😀"
    assert words_of("a e\u0301te\u0301\r\nb") == [(0, 1), (2, 7), (9, 10)]


def test_one_language_gives_one_span_labelled_as_predict(model):
    for text in ["Dies ist ein ganz gewöhnlicher deutscher Satz ohne Besonderheiten.",
                 "Ceci est une phrase française tout à fait ordinaire.", "Bonjour"]:
        prediction = model.predict(text)
        assert model.spans(text) == [(0, len(text), prediction.label, prediction.probability)]


def test_spans_keep_the_language_subset_and_threshold(model):
    restricted = LanguageIdentifier.load(backend=model.backend, languages=["de", "fr"])
    assert {s.label for s in restricted.spans(MIXED)} <= {"de", "fr"}
    assert [s.label for s in model.spans("Hallo", threshold=0.999)] == ["und"]


def test_batches_answer_as_single_calls(model):
    texts = [MIXED, "Das ist gut.", ""] + ODD[:5]
    assert model.spans_batch(texts) == [model.spans(t) for t in texts]
    assert model.language_shares_batch(texts, 2) == [model.language_shares(t, 2) for t in texts]


def test_bad_arguments_are_refused(model):
    with pytest.raises(TypeError):
        model.spans(b"bytes")
    with pytest.raises(TypeError):
        model.spans_batch("one string")
    with pytest.raises(ValueError):
        model.language_shares("text", k=0)
    with pytest.raises(ValueError):
        model.spans("text", threshold=2)


def test_the_best_labelling_pays_for_each_switch():
    log_p = np.log(np.array([[0.9, 0.1], [0.2, 0.8], [0.9, 0.1]]))
    assert list(best_labels(log_p, 10.0)) == [0, 0, 0]  # one odd word: no switch
    assert list(best_labels(log_p, 0.1)) == [0, 1, 0]
    runs = np.log(np.array([[0.9, 0.1]] * 3 + [[0.01, 0.99]] * 3))
    assert list(best_labels(runs, 5.0)) == [0, 0, 0, 1, 1, 1]


def backends_or_skip():
    c = LanguageIdentifier.load(backend="auto")
    if c.backend != "c":
        pytest.skip("the C extension is not built here (no compiler at install time)")
    return c, LanguageIdentifier.load(backend="numpy")


def mixed_documents(count: int, seed: int) -> list[str]:
    """Sentences and runs of words of several languages' dev lines, mixed."""
    import random

    from smallnlp.datasets import read_labelled_dir

    from .conftest import require_shared_data

    texts, labels = read_labelled_dir(require_shared_data() / "langid" / "dev")
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts = [rng.choice(texts) for _ in range(rng.randint(1, 4))]
        words = rng.choice(texts).split()
        at = rng.randint(0, len(words))
        out.append(" ".join(parts[:-1] + words[:at] + parts[-1].split()[:8] + words[at:]))
    return out


def assert_same_spans(found, expected):
    """The same offsets and labels; probabilities within 1e-4, as the backends'
    predictions agree (the C runtime's dense layers run in float32)."""
    assert [[s[:3] for s in spans] for spans in found] == \
        [[s[:3] for s in spans] for spans in expected]
    for spans, others in zip(found, expected):
        assert [s.probability for s in spans] == pytest.approx(
            [s.probability for s in others], abs=1e-4)


def test_the_c_runtime_finds_the_spans_numpy_finds():
    c, numpy_model = backends_or_skip()
    texts = [MIXED, "Ich habe heute leider keine Zeit, because I have to work all day long."]
    texts += ODD + mixed_documents(300, seed=5)
    assert_same_spans(c.spans_batch(texts), numpy_model.spans_batch(texts))
    for model in (c, numpy_model):
        model.set_languages(["de", "en", "fr", "es"]).set_max_chars(12)
    assert_same_spans(c.spans_batch(texts[:50], threshold=0.6),
                      numpy_model.spans_batch(texts[:50], threshold=0.6))


def test_a_long_text_gets_its_spans_in_linear_time():
    c, _ = backends_or_skip()
    text = (MIXED + " ") * 6000  # about 1 MB
    spans = c.spans(text)
    assert_covers(text, spans)
    assert {s.label for s in spans} == {"de", "en", "fr"}


def test_a_10_mb_text_without_spaces_is_one_span(model):
    text = "a" * 10_000_000
    assert model.spans(text) == [(0, len(text), model.predict(text).label,
                                  model.predict(text).probability)]


def test_the_c_header_states_the_switch_cost_python_uses():
    import re
    from pathlib import Path

    from smallnlp.spans import SWITCH_COST

    header = (Path(__file__).resolve().parents[1] / "runtime" / "c" / "include" /
              "smallnlp.h").read_text(encoding="utf-8")
    assert float(re.search(r"#define SNLP_SPAN_SWITCH_COST ([\d.]+)", header)[1]) == SWITCH_COST
