import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smallnlp import fileformat, modelfile
from smallnlp.budget import known_word_bits, minimum_budget, parse_size, plan
from smallnlp.config import GroupTemplate
from smallnlp.errors import BudgetError
from smallnlp.features import KindContext
from smallnlp.network import FeedForwardNetwork

TEMPLATES = [
    GroupTemplate("char1", "char_ngram", order=1, seed=1, share=0.15, max_buckets=8000),
    GroupTemplate("char2", "char_ngram", order=2, seed=2, share=0.25),
    GroupTemplate("char3", "char_ngram", order=3, seed=3, share=0.3),
    GroupTemplate("char4", "char_ngram", order=4, seed=4, share=0.3),
    GroupTemplate("script", "script"),
]


@pytest.mark.parametrize("text, expected", [
    ("200KB", 200_000), ("1MB", 1_000_000), ("2.5MiB", 2_621_440), ("1234", 1234),
    ("64 kib", 65_536), (512, 512)])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "1XB", "-5KB", "KB", "1.2.3MB"])
def test_parse_size_rejects_garbage(text):
    with pytest.raises(BudgetError, match="cannot read memory budget"):
        parse_size(text)


def test_too_small_budget_states_minimum():
    minimum = minimum_budget(TEMPLATES, KindContext(75))
    with pytest.raises(BudgetError, match=f"minimum is {minimum:,} bytes"):
        plan(minimum - 1, TEMPLATES, KindContext(75))
    plan(minimum, TEMPLATES, KindContext(75))


def _file_size(shape, n_labels: int, metadata: dict) -> int:
    rng = np.random.default_rng(0)
    network = FeedForwardNetwork.initialise([(g.buckets, g.dims) for g in shape.groups],
                                            shape.hidden, n_labels, rng)
    return len(modelfile.encode(metadata, fileformat.arrays_of_network(network)))


@given(st.integers(min_value=0, max_value=5_000_000), st.integers(min_value=2, max_value=200),
       st.integers(min_value=0, max_value=3000))
@settings(max_examples=60, deadline=None)
def test_planner_never_exceeds_budget(budget, n_labels, metadata_chars):
    metadata = {"labels": [f"l{i}" for i in range(n_labels)], "note": "x" * metadata_chars}
    metadata_bytes = fileformat.metadata_bytes({**metadata, "features": {"groups": [
        fileformat.widest_group(t.name, t.kind) for t in TEMPLATES]}})
    context = KindContext(n_labels)
    try:
        shape = plan(budget, TEMPLATES, context, metadata_bytes=metadata_bytes)
    except BudgetError:
        assert budget < minimum_budget(TEMPLATES, context, metadata_bytes=metadata_bytes)
        return
    assert _file_size(shape, n_labels, metadata) <= budget
    assert all(g.buckets >= 32 for g in shape.groups)


def test_bigger_budgets_buy_more_buckets():
    sizes = [sum(g.buckets for g in plan(b, TEMPLATES, KindContext(75)).groups)
             for b in (50_000, 200_000, 1_000_000, 4_000_000)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1] / 10


def test_a_fixed_hidden_size_gives_its_bytes_to_the_rows():
    context = KindContext(115)
    planned, fixed = plan(1_000_000, TEMPLATES, context), plan(1_000_000, TEMPLATES, context,
                                                               hidden=128)
    assert planned.hidden == 256 and fixed.hidden == 128
    # (80 + 1 + 115) float32 weights per hidden unit freed, 20 bytes a 16-dim 8-bit row.
    gained = sum(g.buckets for g in fixed.groups) - sum(g.buckets for g in planned.groups)
    assert abs(gained - 128 * 196 * 4 // 20) <= len(TEMPLATES)
    assert _file_size(fixed, 115, {}) <= 1_000_000


def test_known_word_bitmap_takes_at_most_its_share_of_the_budget():
    assert known_word_bits(1_000_000, 262_144) == 262_144  # 32 KB fits in 4% of 1 MB
    assert known_word_bits(100_000, 262_144) == 8 * 4_000  # capped at 4% of 100 KB
    assert known_word_bits(100_000, 0) == 0
    assert known_word_bits(1_000_000, 1_001) == 1_000  # whole bytes
