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
