"""Reading the shipped data files: the fast (libyaml) reader builds exactly what the
pure-Python safe reader builds, and neither builds anything but plain data."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from surveys.data_files import parse_yaml

SHIPPED = sorted(
    entry.name for entry in resources.files("surveys.data").iterdir()
    if entry.name.endswith(".yaml")
)  # fmt: skip


def test_every_shipped_yaml_file_is_found() -> None:
    assert {"safeguarding_phrases.yaml", "topics.yaml", "youth_lexicon.yaml"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_file_reads_as_the_pure_python_safe_reader_reads_it(name: str) -> None:
    text = resources.files("surveys.data").joinpath(name).read_text(encoding="utf-8")
    assert parse_yaml(text, name, ValueError) == yaml.safe_load(text)


@pytest.mark.parametrize(
    "text",
    ["!!python/object/apply:os.system ['true']", "a: !!python/name:os.system", "version: ["],
)
def test_unsafe_or_broken_yaml_is_refused_with_its_source(text: str) -> None:
    with pytest.raises(ValueError, match=r"^book\.yaml: not valid YAML: "):
        parse_yaml(text, "book.yaml", ValueError)


@pytest.mark.parametrize(
    ("text", "line", "first"),
    [
        ("phrases:\n  good: 1\n  bad: -1\n  good: 0.5\n", 4, 2),
        ("version: 1\nversion: 2\n", 2, 1),
        ("themes:\n  - pets: {label: Pets, label: Animals}\n", 2, 2),
    ],
)
def test_a_key_given_twice_is_refused_with_both_lines(text: str, line: int, first: int) -> None:
    message = rf"^book\.yaml: line {line}: '\w+' appears twice \(first on line {first}\)"
    with pytest.raises(ValueError, match=message):
        parse_yaml(text, "book.yaml", ValueError)


def test_the_same_key_in_different_mappings_and_merge_keys_are_allowed() -> None:
    text = "a: {x: 1}\nb: {x: 2}\nbase: &base {y: 1}\nc:\n  <<: *base\n  y: 2\nd: *base\n"
    assert parse_yaml(text, "book.yaml", ValueError) == {
        "a": {"x": 1}, "b": {"x": 2}, "base": {"y": 1}, "c": {"y": 2}, "d": {"y": 1},
    }  # fmt: skip


def test_an_empty_file_reads_as_nothing() -> None:
    assert parse_yaml("", "book.yaml", ValueError) is None
    assert parse_yaml("# only a comment\n", "book.yaml", ValueError) is None
