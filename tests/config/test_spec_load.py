"""load(): every file under the given paths, every problem in any of them, sorted."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.config import ConfigError, Problem, discover, load
from controller.config.model import Mode
from controller.config.yamldoc import MAX_BYTES

from .docs import BASE, edit

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "config"
TOO_BIG = "file is larger than 1 MiB; one integration fits in a few KiB"
NOT_UTF8 = "file is not valid UTF-8; save it as UTF-8"


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """Run in tmp_path so that problems name files relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def named(name: str) -> str:
    """BASE as another integration: another name and buyer identity (one file per identity)."""
    return edit(("  name: acme\n", f"  name: {name}\n"), ("identity: ACME}", f"identity: {name}}}"))


# --- the shipped examples ---------------------------------------------------------------------


def test_the_shipped_examples_validate_without_a_problem():
    result = load([EXAMPLES])
    assert result.problems == ()
    assert len(result.integrations) + len(result.calendars) == len(result.files) >= 3
    assert len(result.integrations) >= 2 and result.calendars


def test_the_shipped_examples_include_a_test_and_a_live_integration():
    modes = {integration.mode for integration in load([EXAMPLES]).integrations}
    assert {Mode.TEST, Mode.LIVE} <= modes


def test_the_shipped_examples_point_editors_at_the_schema():
    for path in sorted(EXAMPLES.rglob("*.y*ml")):
        text = path.read_text(encoding="utf-8")
        schema = "change-windows" if "kind: ChangeWindows" in text else "coupa-integration"
        first = text.splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../../schemas/{schema}.v1.json"
        assert (path.parent / f"../../schemas/{schema}.v1.json").resolve().is_file()


# --- finding files ----------------------------------------------------------------------------


def test_discover_finds_yaml_and_yml_files_recursively_and_nothing_else(write, tmp_path):
    for name in ["a.yaml", "sub/b.yml", "sub/deeper/c.yaml", "notes.txt", "d.json", "e.yaml.bak"]:
        write(name, "x: 1\n")
    files, missing = discover([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "a.yaml",
        "sub/b.yml",
        "sub/deeper/c.yaml",
    ]
    assert missing == []


def test_discover_accepts_a_file_path_and_reports_a_missing_path(write, tmp_path):
    path = write("one.yaml", "x: 1\n")
    files, missing = discover([path, tmp_path / "nope"])
    assert files == [path]
    assert missing == [Problem(str(tmp_path / "nope"), 1, 1, "", "no such file or directory")]


def test_a_file_named_twice_is_loaded_once(write, in_tmp):
    write("acme.yaml", BASE)
    result = load(["acme.yaml", ".", "./acme.yaml"])
    assert (result.files, result.problems) == (("acme.yaml",), ())


def test_problems_name_files_relative_to_the_working_directory(write, in_tmp):
    write("integrations/acme.yaml", edit(("mode: test", "mode: tset")))
    (problem,) = load(["."]).problems
    assert problem.file == "integrations/acme.yaml"


# --- reporting ------------------------------------------------------------------------------


def test_all_problems_in_all_files_are_reported_sorted_by_file_then_line(write, in_tmp):
    write(
        "b.yaml",
        edit(
            ('cost-center: "4711"', 'aws:x: "1"'),
            ("name: acme", "name: Beta"),
            ("identity: ACME}", "identity: BETA}"),
        ),
    )
    write(
        "a.yaml",
        edit(
            ("email: ops@acme.example", "email: nobody"),
            ("mode: test", "mode: tset"),
            ("name: acme", "name: alpha"),
        ),
    )
    write("c.yaml", named("gamma"))
    result = load(["."])
    assert [(p.file, p.line, p.path) for p in result.problems] == [
        ("a.yaml", 9, "spec.mode"),
        ("a.yaml", 12, "spec.contact.email"),
        ("b.yaml", 4, "metadata.name"),
        ("b.yaml", 35, "spec.tags.aws:x"),
    ]
    assert result.files == ("a.yaml", "b.yaml", "c.yaml")
    assert [i.name for i in result.integrations] == ["gamma"]


def test_a_file_that_is_not_yaml_does_not_stop_the_others(write, in_tmp):
    write("a.yaml", "a: [unclosed\n")
    write("b.yaml", named("beta"))
    write("c.yaml", named("gamma"))
    result = load(["."])
    assert [(p.file, p.line, p.col) for p in result.problems] == [("a.yaml", 2, 1)]
    assert result.problems[0].message.startswith("invalid YAML: ")
    assert [i.name for i in result.integrations] == ["beta", "gamma"]


def test_integrations_are_sorted_by_name(write, in_tmp):
    write("1.yaml", named("zulu"))
    write("2.yaml", named("alpha"))
    assert [i.name for i in load(["."]).integrations] == ["alpha", "zulu"]


def test_require_valid_raises_with_every_problem(write, in_tmp):
    write("a.yaml", edit(("mode: test", "mode: tset")))
    write("b.yaml", "")
    with pytest.raises(ConfigError) as caught:
        load(["."]).require_valid()
    assert [(p.file, p.line) for p in caught.value.problems] == [("a.yaml", 9), ("b.yaml", 1)]


def test_require_valid_returns_the_integrations_when_valid(write, in_tmp):
    write("a.yaml", BASE)
    assert [i.name for i in load(["."]).require_valid()] == ["acme"]


# --- names unique across files ----------------------------------------------------------------


def test_a_name_used_in_two_files_is_reported_in_the_second_naming_the_first(write, in_tmp):
    write("a.yaml", BASE)
    write("b.yaml", "# same name, another payer\n" + BASE.replace("111122223333", "444455556666"))
    result = load(["."])
    assert result.problems == (
        Problem(
            "b.yaml",
            5,
            9,
            "metadata.name",
            "name `acme` is already used by a.yaml:4; names must be unique",
        ),
    )
    assert [(i.name, i.source.file) for i in result.integrations] == [("acme", "a.yaml")]


def test_a_name_used_in_two_files_is_reported_even_when_the_first_has_other_problems(write, in_tmp):
    write("a.yaml", edit(("mode: test", "mode: tset")))
    write("b.yaml", BASE.replace("identity: ACME}", "identity: ACME-2}"))
    assert [(p.file, p.path) for p in load(["."]).problems] == [
        ("a.yaml", "spec.mode"),
        ("b.yaml", "metadata.name"),
    ]


def test_a_name_used_in_three_files_is_reported_twice_naming_the_first(write, in_tmp):
    for n, name in enumerate(["a.yaml", "b.yaml", "sub/c.yaml"]):
        write(name, BASE.replace("identity: ACME}", f"identity: ACME-{n}}}"))
    problems = load(["."]).problems
    assert [(p.file, p.message) for p in problems] == [
        ("b.yaml", "name `acme` is already used by a.yaml:4; names must be unique"),
        ("sub/c.yaml", "name `acme` is already used by a.yaml:4; names must be unique"),
    ]


def test_two_files_describing_one_aws_preference_are_reported_in_the_second(write, in_tmp):
    # defect 5: two files with the same account, buyer and supplier made twins in AWS
    write("a.yaml", BASE)
    write("b.yaml", BASE.replace("name: acme", "name: acme-twin"))
    result = load(["."])
    assert [(p.file, p.path, p.message) for p in result.problems] == [
        (
            "b.yaml",
            "spec.production.buyer.identity",
            "account 111122223333, buyer `ACME` and supplier `AWS-MARKETPLACE` are already "
            "described by a.yaml:15: they name one AWS preference, so only one file may; merge "
            "the files or change the identity",
        )
    ]


def test_the_same_identity_in_another_account_is_another_preference(write, in_tmp):
    write("a.yaml", BASE)
    write(
        "b.yaml",
        BASE.replace("name: acme", "name: acme-us").replace("111122223333", "444455556666"),
    )
    assert load(["."]).problems == ()


# --- files the loader refuses to read ---------------------------------------------------------


def test_a_file_of_exactly_1_mib_is_read(write, in_tmp):
    padding = "#" * (MAX_BYTES - len(BASE.encode()) - 1) + "\n"
    path = write("big.yaml", BASE + padding)
    assert path.stat().st_size == MAX_BYTES
    assert load(["."]).problems == ()


def test_a_file_over_1_mib_is_refused(write, in_tmp):
    padding = "#" * (MAX_BYTES - len(BASE.encode())) + "\n"
    path = write("big.yaml", BASE + padding)
    assert path.stat().st_size == MAX_BYTES + 1
    result = load(["."])
    assert result.problems == (Problem("big.yaml", 1, 1, "", TOO_BIG),)
    assert result.integrations == ()


def test_a_non_utf8_file_is_reported_at_the_bad_byte(write, in_tmp):
    raw = edit(("description: Acme payer account", "description: Café payer")).encode()
    raw = raw.replace(b"payer", b"\xff payer", 1)  # after "  description: Café "
    write("latin.yaml", raw)
    assert load(["."]).problems == (Problem("latin.yaml", 5, 21, "", NOT_UTF8),)


def test_a_latin1_file_is_reported_at_its_first_accented_character(write, in_tmp):
    write("latin.yaml", edit(("description: Acme", "description: Café")).encode("latin-1"))
    assert load(["."]).problems == (Problem("latin.yaml", 5, 19, "", NOT_UTF8),)


def test_a_missing_path_is_a_problem_not_an_exception(in_tmp):
    result = load(["nope/"])
    assert result.problems == (Problem("nope/", 1, 1, "", "no such file or directory"),)
    assert result.files == ()
