"""Every way a config can be wrong gives a ConfigError naming file, section and
key, before any data is read; through the CLI, one line and exit code 2."""

import copy

import pytest
from click.testing import CliRunner

from smallnlp import ConfigError, LanguageIdentifier, PosTagger
from smallnlp.cli import main

from .conftest import (
    TINY_CONFIG,
    TINY_POS_CONFIG,
    config_toml,
    synthetic_corpus,
    write_corpus,
)

TWO_PASS_GROUPS = [*TINY_POS_CONFIG["features"]["groups"][:-2],
                   {"name": "next+1", "kind": "next_tag", "offset": 1},
                   {"name": "tag-1", "kind": "prev_tag", "offset": -1}]


def _with(config: dict, change) -> dict:
    changed = copy.deepcopy(config)
    change(changed)
    return changed


def _group(index: int, **values):
    return lambda c: c["features"]["groups"][index].update(values)


LANGID_CASES = [
    (lambda c: c.update(trainig={}), r"top level: unknown key 'trainig'"),
    (lambda c: c["training"].update(epoch=3), r"\[training\]: unknown key 'epoch'"),
    (lambda c: c["augment"].update(span_per_line=2), r"\[augment\]: unknown key 'span_per_line'"),
    (_group(0, ordr=2), r"\[\[features.groups\]\] #1 \('char1'\): unknown key 'ordr'"),
    (lambda c: c["training"].update(epochs="ten"), r"\[training\] epochs: expected an integer"),
    (lambda c: c["training"].update(epochs=True), r"\[training\] epochs: expected an integer"),
    (lambda c: c["training"].update(learning_rate="fast"),
     r"\[training\] learning_rate: expected a number"),
    (lambda c: c["training"].update(epochs=0), r"\[training\] epochs: 0 is out of range"),
    (lambda c: c["training"].update(dropout=1.0), r"dropout: 1.0 is out of range \(must be >= 0"),
    (lambda c: c["training"].update(lr_decay=2), r"lr_decay: 2.0 is out of range"),
    (lambda c: c.update(training=5), r"\[training\]: expected a table, got int 5"),
    (lambda c: c["features"].pop("groups"), r"\[features\]: missing key 'groups'"),
    (lambda c: c["features"].update(groups=[]), r"\[features\] groups: expected a non-empty"),
    (lambda c: c["features"].update(dims=4), r"\[features\] dims: 4 is out of range"),
    (lambda c: c["features"].update(max_chars=0), r"max_chars: 0 is out of range"),
    (_group(0, kind="bigram"), r"#1 \('char1'\): feature group 'char1': unknown kind 'bigram'"),
    (_group(0, kind="prefix"), r"feature group 'char1': kind prefix is for token features"),
    (_group(3, order=2), r"feature group 'script': kind script takes no order"),
    (_group(0, order=0), r"feature group 'char1': order must be 1..8"),
    (_group(0, order=9), r"feature group 'char1': order must be 1..8"),
    (_group(1, seed=-1), r"#2 \('char2'\) seed: -1 is out of range"),
    (_group(1, kind="word", order=0, offset=1), r"a text's word group takes no offset"),
    (_group(1, seed=2**32), r"feature group 'char2': seed must be 0..4294967295"),
    (_group(1, share="big"), r"#2 \('char2'\) share: expected a number"),
    (_group(1, name="char1"), r"feature group 'char1' is listed twice"),
    (lambda c: c.update(memory_budget="lots"), r"top level: cannot read memory budget 'lots'"),
    (lambda c: c["augment"].update(min_words=3, max_words=2),
     r"\[augment\]: max_words 2 is below min_words 3"),
]


@pytest.mark.parametrize("change, message", LANGID_CASES)
def test_langid_config_errors(change, message):
    config = _with({**TINY_CONFIG, "augment": dict(TINY_CONFIG["augment"])}, change)
    with pytest.raises(ConfigError, match=message):
        LanguageIdentifier("60KB", config=config).read_config()


POS_CASES = [
    (lambda c: c.update(tagging={"word_dropot": 1.0}), r"\[tagging\]: unknown key 'word_dropot'"),
    (_group(5, kind="script"), r"feature group 'shape': kind script is for text features"),
    (_group(6, offset=1), r"feature group 'tag-1': prev_tag needs a negative offset"),
    (_group(5, offset=99), r"feature group 'shape': offset must be -16..16"),
    (lambda c: c["features"].update(groups=[*TWO_PASS_GROUPS[:-2], TWO_PASS_GROUPS[-1],
                                            TWO_PASS_GROUPS[-2]]),
     r"prev_tag groups must come last"),
    (lambda c: c["features"].update(groups=TWO_PASS_GROUPS),
     r"next_tag groups need \[tagging\] first_pass_share"),
    (lambda c: c.update(tagging={"word_dropout": 0.5}), r"word_dropout needs word groups"),
    (lambda c: c["features"].update(known_word_bits=12), r"multiple of 8, not 12"),
    (lambda c: c.update(tagging={"first_pass_share": 1.0}), r"first_pass_share: 1.0 is out"),
]


@pytest.mark.parametrize("change, message", POS_CASES)
def test_pos_config_errors(change, message):
    with pytest.raises(ConfigError, match=message):
        PosTagger(config=_with(TINY_POS_CONFIG, change)).read_config()


def test_a_toml_file_is_named_in_errors(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[features]\ngroups = [{name = "c", kind = "char_ngram", order = 1}]\n'
                    '[training]\nepochs = 2\nbatch = 3\n')
    with pytest.raises(ConfigError, match=rf"{path}: \[training\]: unknown key 'batch'"):
        LanguageIdentifier(config=path).read_config()
    path.write_text("[features\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        LanguageIdentifier(config=path).read_config()
    with pytest.raises(ConfigError, match="cannot read config"):
        LanguageIdentifier(config=tmp_path / "absent.toml").read_config()


def test_a_bad_seed_is_a_config_error():
    texts, labels = synthetic_corpus(5)
    with pytest.raises(ConfigError, match="seed must be an integer in 0..4294967295"):
        LanguageIdentifier("60KB", config=TINY_CONFIG, seed=-1).fit(texts, labels)


def test_the_config_memory_budget_is_used_unless_one_is_given():
    config = {**TINY_CONFIG, "memory_budget": "70KB"}
    assert LanguageIdentifier(config=config).resolved_budget() == 70_000
    assert LanguageIdentifier("60KB", config=config).resolved_budget() == 60_000
    assert LanguageIdentifier(config=TINY_CONFIG).resolved_budget() == 1_000_000
    for name in ("langid", "pos"):  # the shipped configs say 1MB
        model = LanguageIdentifier() if name == "langid" else PosTagger()
        assert model.read_config().memory_budget == "1MB"


def test_shipped_configs_are_valid():
    config = LanguageIdentifier().read_config()
    assert [g.name for g in config.features.groups][-1] == "script"
    assert config.augment.spans_per_line == 8
    assert PosTagger().read_config().tagging.first_pass_share == 0.3


def test_a_folder_named_like_a_shipped_config_is_not_read(tmp_path, monkeypatch):
    (tmp_path / "pos").mkdir()  # say, a folder of the user's data
    monkeypatch.chdir(tmp_path)
    assert PosTagger().read_config().features.groups
    assert PosTagger(config="pos").read_config() == PosTagger().read_config()


def test_a_config_says_only_what_it_changes_from_its_base(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text(config_toml(TINY_POS_CONFIG))
    names = [group["name"] for group in TINY_POS_CONFIG["features"]["groups"]]
    derived = tmp_path / "derived.toml"
    derived.write_text(f'''base = "base.toml"
memory_budget = "70KB"
[training]
epochs = 2
[[features.groups]]
name = "suffix-extra"
kind = "suffix"
order = 2
after = "{names[0]}"
[[features.groups]]
name = "{names[1]}"
kind = "suffix"
order = 1
''')
    config = PosTagger(config=derived).read_config()
    assert config.memory_budget == "70KB"
    assert config.training.epochs == 2  # the other [training] keys are the base's
    assert config.training.batch_size == PosTagger(config=base).read_config().training.batch_size
    groups = config.features.groups
    assert [g.name for g in groups] == [names[0], "suffix-extra", *names[1:]]
    assert (groups[2].kind, groups[2].order) == ("suffix", 1)  # replaced where it stood


def test_a_dict_config_may_name_a_shipped_base():
    config = PosTagger(config={"base": "pos", "training": {"epochs": 3}}).read_config()
    assert config.training.epochs == 3
    assert config.features == PosTagger().read_config().features


@pytest.mark.parametrize("text, message", [
    ('base = 3\n', "base must be a config's name or path, not 3"),
    ('base = "absent.toml"\n', r"absent.toml: cannot read config"),
    ('base = "self.toml"\n', "base configs form a cycle"),
    ('base = "pos"\n[[features.groups]]\nname = "x"\nkind = "suffix"\norder = 1\n'
     'after = "nowhere"\n',
     r"\[\[features.groups\]\] 'x': after = 'nowhere' names no entry of the base \(word-2, "),
    ('base = "pos"\n[[features.groups]]\nname = "char3"\nkind = "suffix"\norder = 1\n'
     'after = "word0"\n', r"'char3': 'after' is for new entries"),
    ('[[features.groups]]\nname = "x"\nkind = "suffix"\nafter = "y"\n',
     r"unknown key 'after'"),  # after without a base is no key of a group
])
def test_a_bad_base_is_a_config_error(tmp_path, text, message):
    path = tmp_path / "self.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        PosTagger(config=path).read_config()


def test_cli_reports_a_bad_config_in_one_line_before_reading_data(tmp_path):
    runner = CliRunner()
    for task, kind in (("langid", "prefix"), ("pos", "script")):  # a kind of the other task
        bad = tmp_path / f"{task}.toml"
        bad.write_text(f'[features]\ngroups = [{{name = "p", kind = "{kind}"}}]\n')
        # The training data cannot be read: the config error must come first.
        if task == "langid":
            unreadable = tmp_path / "empty"  # no <label>.txt in it
            unreadable.mkdir()
        else:
            unreadable = tmp_path / "garbage.conllu"
            unreadable.write_text("x\n")
        result = runner.invoke(main, ["train", task, "--train", str(unreadable),
                                      "--config", str(bad), "--output", str(tmp_path / "m")])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and str(bad) in lines[0] and "'p'" in lines[0], lines
    assert not (tmp_path / "m").exists()


def test_cli_uses_the_config_memory_budget(tmp_path):
    texts, labels = synthetic_corpus(40)
    write_corpus(tmp_path / "train", texts, labels)
    config = tmp_path / "small.toml"
    groups = "\n".join(f"[[features.groups]]\nname = {g['name']!r}\nkind = {g['kind']!r}\n"
                       + "".join(f"{k} = {v!r}\n" for k, v in g.items()
                                 if k not in ("name", "kind"))
                       for g in TINY_CONFIG["features"]["groups"])
    config.write_text(f'memory_budget = "45KB"\n[features]\ndims = 8\n{groups}'
                      "[training]\nepochs = 1\n")
    result = CliRunner().invoke(main, ["train", "langid", "--train", str(tmp_path / "train"),
                                       "--config", str(config), "--output",
                                       str(tmp_path / "m.snlp")])
    assert result.exit_code == 0, result.output
    model = LanguageIdentifier.load(tmp_path / "m.snlp")
    assert model.metadata_["training"]["memory_budget"] == 45_000
    assert (tmp_path / "m.snlp").stat().st_size <= 45_000


def test_hidden_overrides_the_configs_hidden_size(tmp_path):
    for model in (LanguageIdentifier(config=TINY_CONFIG, hidden=24),
                  PosTagger(config={**TINY_POS_CONFIG, "features": {
                      **TINY_POS_CONFIG["features"], "hidden": 40}}, hidden=24)):
        assert model.read_config().features.hidden == 24
    assert LanguageIdentifier(config=TINY_CONFIG).read_config().features.hidden is None
    for bad in (0, 4097, 2.5, True, "64"):
        with pytest.raises(ConfigError, match=r"hidden must be an integer in 1\.\.4096"):
            PosTagger(config=TINY_POS_CONFIG, hidden=bad).read_config()
    texts, labels = synthetic_corpus(40)
    write_corpus(tmp_path / "train", texts, labels)
    config = tmp_path / "tiny.toml"
    config.write_text(config_toml(TINY_CONFIG))
    command = ["train", "langid", "--train", str(tmp_path / "train"), "--config", str(config),
               "--memory-budget", "60KB", "--epochs", "1", "--output", str(tmp_path / "m.snlp")]
    result = CliRunner().invoke(main, command + ["--hidden", "24"])
    assert result.exit_code == 0, result.output
    assert LanguageIdentifier.load(tmp_path / "m.snlp").network_.hidden_size == 24
    result = CliRunner().invoke(main, command + ["--hidden", "0"])
    assert result.exit_code == 2 and "--hidden" in result.output
    result = CliRunner().invoke(main, command + ["--hidden", "5000"])
    assert result.exit_code == 2 and "hidden must be an integer in 1..4096" in result.output
