"""docs/cli.md is generated from the --help of every command and must stay in step with it."""

from __future__ import annotations

import difflib
import importlib.util
import re

import pytest
import typer

from tests.conftest import ROOT

DOC = ROOT / "docs" / "cli.md"


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    found = re.split(r"^## `(propscan[^`]*)`\n", text, flags=re.M)
    return {found[i]: found[i + 1] for i in range(1, len(found), 2)}


def all_commands():
    from propscan.cli import app

    out = []

    def walk(cmd, words):
        out.append((words, cmd))
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(None):
                sub = cmd.get_command(None, name)
                if sub is not None and not getattr(sub, "hidden", False):
                    walk(sub, words + [name])

    walk(typer.main.get_command(app), [])
    return out


def test_cli_reference_is_up_to_date():
    expected = load_generator().render()
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if current != expected:
        diff = "".join(list(difflib.unified_diff(current.splitlines(True), expected.splitlines(True),
                                                 "docs/cli.md", "generated"))[:60])
        pytest.fail(f"docs/cli.md is out of date; run: python scripts/gen_cli_docs.py\n{diff}")


def test_every_command_has_a_section():
    documented = sections()
    for words, _ in all_commands():
        assert " ".join(["propscan", *words]) in documented, words


def test_every_option_and_argument_is_documented_with_help_text():
    documented = sections()
    for words, cmd in all_commands():
        body = documented[" ".join(["propscan", *words])]
        for param in cmd.params:
            if param.param_type_name == "option":
                assert (param.help or "").strip(), f"propscan {' '.join(words)}: {param.opts} has no help"
                for opt in [*param.opts, *param.secondary_opts]:
                    assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", body), \
                        f"propscan {' '.join(words)}: {opt} missing from docs/cli.md"
            else:
                shown = (getattr(param, "metavar", None) or param.name).strip("{}[]").lower()
                assert shown in body.lower(), f"propscan {' '.join(words)}: argument {param.name}"
                assert (getattr(param, "help", None) or "").strip(), \
                    f"propscan {' '.join(words)}: argument {param.name} has no help"


def test_the_reference_states_the_fixed_output_formats():
    text = DOC.read_text(encoding="utf-8")
    for contract in ("propscan predict ARTICLES_DIR -o OUT.tsv",
                     "propscan classify ARTICLES_DIR SPANS.tsv -o OUT.tsv",
                     "propscan evaluate ARTICLES_DIR GOLD.tsv",
                     "propscan analyze [FILE|-] [--json]",
                     "article_id<TAB>technique<TAB>start<TAB>end"):
        assert contract in text
