#!/usr/bin/env python3
"""Command line of the site generator: build, serve, check and i18n (see README.md)."""
from __future__ import annotations

import sys

from echosite.cli import main

if __name__ == "__main__":
    sys.exit(main())
