"""Language spans of mixed-language documents: smallnlp's ``spans`` against
lingua's ``detect_multiple_languages_of`` (high accuracy mode, every language
preloaded) and, for the set of languages only, CLD3's
``FindTopNMostFreqLangs``, on the same documents in one run.

The documents are built from ``../shared/data/langid/dev`` lines of the
languages smallnlp's model and lingua both know, with a fixed seed:

  (a) 2-4 whole sentences of 2-3 languages, neighbours in different languages;
  (b) a run of 2-8 words of another language spliced into a sentence of 6 or
      more words, at a word boundary;
  (c) two sentences of one language (to count false switches).

Scores: character accuracy over letters (the label of the span a letter falls
in against the language of its sentence or run; spaces and punctuation are not
scored), boundary F1 over whitespace words (a predicted change of language
counts if it is within one word of a true one), the share of (c) documents
given more than one language, and how often the set of languages found is
exactly the true one. Times are for all documents of a kind, one process, the
fastest of ``--rounds`` (3) passes over them for each system, the systems taking
turns round by round.

    python benchmarks/langid_spans.py [--docs 300] [--seed 0] [--systems smallnlp,lingua,cld3]

``--switch-cost`` tries another cost than smallnlp's (smallnlp/spans.py), for
tuning; tune with another ``--seed`` than the one reported. The numpy backend's
spans are compared with the C runtime's on every document.
"""

from __future__ import annotations

import argparse
import random
import time

from common import DATA, machine, one_blas_thread, single_core
from langid_peers import normalise

KINDS = {"a": "(a) 2-4 sentences, 2-3 languages", "b": "(b) 2-8 words spliced in",
         "c": "(c) one language, 2 sentences"}


def build(kind: str, by_language: dict[str, list[str]], by_words: dict[int, dict[str, list[str]]],
          rng: random.Random) -> list[tuple[str, str]]:
    """A document as its whitespace words, each with its language;
    ``by_words[n]``: each language's sentences of n or more words (none listed
    for a language that has none)."""
    languages = sorted(by_language)
    if kind == "a":
        chosen = rng.sample(languages, rng.randint(2, 3))
        order: list[str] = []
        while len(order) < len(chosen) or len(order) < 2:
            order = []
            for _ in range(rng.randint(2, 4)):
                order.append(rng.choice([c for c in chosen if not order or c != order[-1]]))
            if set(order) != set(chosen):
                order = []
        return [(word, code) for code in order for word in rng.choice(by_language[code]).split()]
    if kind == "b":  # languages written with spaces between words
        base = rng.choice(sorted(by_words[6]))
        other = rng.choice([c for c in sorted(by_words[2]) if c != base])
        sentence = rng.choice(by_words[6][base]).split()
        source = rng.choice(by_words[2][other]).split()
        length = rng.randint(2, min(8, len(source)))
        first = rng.randint(0, len(source) - length)
        at = rng.randint(1, len(sentence) - 1)
        return ([(w, base) for w in sentence[:at]] + [(w, other) for w in
                source[first:first + length]] + [(w, base) for w in sentence[at:]])
    code = rng.choice(languages)
    return [(word, code) for _ in range(2) for word in rng.choice(by_language[code]).split()]


def documents(kind: str, count: int, by_language: dict[str, list[str]], seed: int
              ) -> list[list[tuple[str, str]]]:
    rng = random.Random(f"{seed}-{kind}")
    by_words = {n: {code: long for code, lines in by_language.items()
                    if (long := [s for s in lines if len(s.split()) >= n])}
                for n in (2, 6)}  # worked out once, not for every document
    return [build(kind, by_language, by_words, rng) for _ in range(count)]


def word_starts(words: list[tuple[str, str]]) -> list[int]:
    starts, at = [], 0
    for word, _ in words:
        starts.append(at)
        at += len(word) + 1
    return starts


def labels_at(spans: list[tuple[int, int, str]], length: int) -> list[str]:
    """The label of every character, 'und' where no span covers it."""
    out = ["und"] * length
    for start, end, label in spans:
        out[start:end] = [label] * (end - start)
    return out


def boundaries(labels: list[str]) -> list[int]:
    return [i for i in range(1, len(labels)) if labels[i] != labels[i - 1]]


def score(docs: list[list[tuple[str, str]]], answers: list[list[tuple[int, int, str]] | None],
          is_letter) -> dict:
    right = letters = matched_true = matched_found = true_count = found_count = 0
    switched = exact = 0
    for words, spans in zip(docs, answers):
        text = " ".join(w for w, _ in words)
        truth = {code for _, code in words}
        if spans is None:  # a system that gives only the set of languages
            continue
        char_labels = labels_at(spans, len(text))
        for start, (word, code) in zip(word_starts(words), words):
            for offset, ch in enumerate(word):
                if is_letter(ch):
                    letters += 1
                    right += char_labels[start + offset] == code
        found_words = [char_labels[start + next((i for i, ch in enumerate(word) if is_letter(ch)),
                                                0)] for start, (word, _) in
                       zip(word_starts(words), words)]
        true_b, found_b = boundaries([code for _, code in words]), boundaries(found_words)
        true_count += len(true_b)
        found_count += len(found_b)
        matched_true += sum(any(abs(t - f) <= 1 for f in found_b) for t in true_b)
        matched_found += sum(any(abs(t - f) <= 1 for t in true_b) for f in found_b)
        switched += bool(found_b)
        exact += {label for *_, label in spans if label != "und"} == truth
    precision = matched_found / found_count if found_count else 1.0
    recall = matched_true / true_count if true_count else 1.0
    return {"char_accuracy": right / letters if letters else None,
            "boundary_f1": (2 * precision * recall / (precision + recall)
                            if precision + recall else 0.0) if true_count else None,
            "switched": switched / len(docs), "exact_set": exact / len(docs)}


def set_score(docs: list[list[tuple[str, str]]], sets: list[set[str]]) -> float:
    return sum({code for _, code in words} == found for words, found in zip(docs, sets)) / len(docs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300, help="documents of each kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--systems", default="smallnlp,lingua,cld3")
    parser.add_argument("--model", default="langid")
    parser.add_argument("--switch-cost", type=float, help="log-probability a switch costs")
    parser.add_argument("--rounds", type=int, default=3,
                        help="times each system labels the documents; the fastest is kept")
    args = parser.parse_args()
    single_core()
    one_blas_thread()
    from smallnlp import LanguageIdentifier, langid
    from smallnlp.datasets import read_labelled_dir
    from smallnlp.text import letters_only

    if args.switch_cost is not None:
        langid.SWITCH_COST = args.switch_cost
    model = LanguageIdentifier.load(args.model)
    reference = LanguageIdentifier.load(args.model, backend="numpy")
    systems = args.systems.split(",")
    known = set(model.labels)
    lingua_detector = None
    if "lingua" in systems:
        from lingua import LanguageDetectorBuilder
        lingua_detector = LanguageDetectorBuilder.from_all_languages() \
            .with_preloaded_language_models().build()
        from lingua import Language
        known &= {normalise(language.iso_code_639_1.name) for language in Language.all()}
    texts, labels = read_labelled_dir(DATA / "langid" / "dev")
    by_language: dict[str, list[str]] = {}
    for text, label in zip(texts, labels):
        if label in known and text.split():
            by_language.setdefault(label, []).append(text)

    def is_letter(ch: str) -> bool:
        return letters_only(ch) != " "

    runners = {}
    if "smallnlp" in systems:
        runners["smallnlp"] = lambda text: [(s.start, s.end, s.label) for s in model.spans(text)]
    if lingua_detector is not None:
        def lingua_spans(text: str) -> list[tuple[int, int, str]]:
            return [(r.start_index, r.end_index, normalise(r.language.iso_code_639_1.name))
                    for r in lingua_detector.detect_multiple_languages_of(text)]
        runners["lingua"] = lingua_spans
    cld3 = None
    if "cld3" in systems:
        import gcld3
        cld3 = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=100_000)

        def cld3_set(text: str) -> set[str]:
            return {normalise(r.language) for r in cld3.FindTopNMostFreqLangs(text, num_langs=3)
                    if r.language != "und" and r.proportion > 0}

    print(f"{machine()}; {args.docs} documents of each kind, seed {args.seed}, "
          f"{len(by_language)} languages; smallnlp {args.model} ({model.backend}), switch cost "
          f"{langid.SWITCH_COST}\n")
    print("| documents | system | char accuracy | boundary F1 | >1 language found | "
          "language set exact | seconds | docs/s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    differing = compared = 0
    for kind, title in KINDS.items():
        docs = documents(kind, args.docs, by_language, args.seed)
        joined = [" ".join(w for w, _ in words) for words in docs]
        if "smallnlp" in runners and model.backend == "c":
            compared += len(joined)
            differing += sum([s[:3] for s in a] != [s[:3] for s in b] for a, b in
                             zip(model.spans_batch(joined), reference.spans_batch(joined)))
        timed = fastest(runners, joined, args.rounds)
        for name, (seconds, answers) in timed.items():
            result = score(docs, answers, is_letter)
            print(f"| {title} | {name} | {fmt(result['char_accuracy'])} | "
                  f"{fmt(result['boundary_f1'])} | {result['switched']:.1%} | "
                  f"{result['exact_set']:.1%} | {seconds:.2f} | {len(docs) / seconds:,.0f} |")
        if cld3 is not None:
            [(seconds, sets)] = fastest({"cld3": cld3_set}, joined, args.rounds).values()
            print(f"| {title} | CLD3 FindTopNMostFreqLangs | - | - | "
                  f"{sum(len(s) > 1 for s in sets) / len(sets):.1%} | "
                  f"{set_score(docs, sets):.1%} | {seconds:.2f} | {len(docs) / seconds:,.0f} |")
    if compared:
        print(f"\nsmallnlp's numpy backend and C runtime: {differing} of {compared} documents "
              "given other spans (offsets or labels)")


def fastest(systems: dict, texts: list[str], rounds: int) -> dict[str, tuple[float, list]]:
    """Per system (name -> its function of one text), the seconds it takes
    over all ``texts`` in the fastest of ``rounds`` passes (the least
    disturbed), and its answers. Each round runs every system once, in turn,
    so that a slow spell of the shared host reaches them alike."""
    seconds = dict.fromkeys(systems, float("inf"))
    answers: dict[str, list] = {}
    for _ in range(rounds):
        for name, answer in systems.items():
            started = time.perf_counter()
            answers[name] = [answer(text) for text in texts]
            seconds[name] = min(seconds[name], time.perf_counter() - started)
    return {name: (seconds[name], answers[name]) for name in systems}


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
