#!/usr/bin/env python3
"""Command line of the site generator: build, serve, check and i18n (see README.md).

Runs with any Python 3.11+: when this one lacks the dependencies, the command is
re-run with the repository's `.venv` (made by `make setup`), or a one-line hint says so.
"""
from __future__ import annotations

import sys

from echosite.cli import run_from_script

if __name__ == "__main__":
    sys.exit(run_from_script(__file__))
