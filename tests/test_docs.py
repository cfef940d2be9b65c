"""The README documents every command and option the command line has."""
from __future__ import annotations

import argparse

from conftest import REPO
from echosite.cli import _parser


def _commands(parser: argparse.ArgumentParser, prefix: str = "python build.py"):
    """Every command as typed (`python build.py i18n stats`), with its parser, innermost ones included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from _commands(sub, f"{prefix} {name}")


def test_every_command_and_option_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command, sub in [("python build.py", _parser()), *_commands(_parser())]:
        assert command in readme, command
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert f"{command} {flag}" in readme or f"[{flag}" in readme.split(command, 1)[1].split("\n")[0], \
                        f"{command} {flag}"


def test_readme_starts_with_the_two_commands():
    head = (REPO / "README.md").read_text(encoding="utf-8").split("\n## ")[0]
    assert "make build" in head and "make test" in head
