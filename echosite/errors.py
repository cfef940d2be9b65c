"""Editor mistakes: one exception type and a collector, so a run reports them all."""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One message about a file the editor wrote, printed as `path:line: message`."""

    path: str
    line: int
    message: str
    is_error: bool = True

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        kind = "" if self.is_error else "warning: "
        return f"{where}: {kind}{self.message}"


class SiteError(Exception):
    """Mistakes in the site's sources; carries every problem found so far, warnings too."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def counts(self) -> str:
        """How many errors and warnings, such as "1 error, 46 warnings"."""
        errors = len(self.errors)
        return f"{plural(errors, 'error')}, {plural(len(self.problems) - errors, 'warning')}"


class UsageError(Exception):
    """A wrong command line (exit status 2), as opposed to a mistake in the site."""


@dataclass
class Diagnostics:
    """Collects errors and warnings of a run; warnings become errors when strict.

    Under `strict`, warnings are still recorded as warnings while the run goes on,
    so that every check runs; `raise_if_errors(final=True)` then fails on them too.
    """

    root: Path
    strict: bool = False
    problems: list[Problem] = field(default_factory=list)
    _failed: set[str] = field(default_factory=set, repr=False)
    #: Real paths of folders, looked up once per run: the root's, and each file's folder's.
    _real: dict[Path, Path] = field(default_factory=dict, repr=False, compare=False)

    def relative(self, path: Path | str) -> str:
        """`path` as messages name it: relative to the site root."""
        path = Path(path)
        # The folder's real path, but not the file's: a link is named where it is, not where it leads.
        where = self._resolved(path.parent) / path.name
        try:
            return where.relative_to(self._resolved(self.root)).as_posix()
        except ValueError:
            return path.as_posix()

    def _resolved(self, folder: Path) -> Path:
        """`folder.resolve()`, from its parent's real path (looked up once) and one look at the folder."""
        real = self._real.get(folder)
        if real is None:
            if folder.parent == folder or ".." in folder.parts or os.path.islink(folder):
                real = folder.resolve()
            else:
                real = self._resolved(folder.parent) / folder.name
            self._real[folder] = real
        return real

    def error(self, path: Path | str, line: int, message: str) -> None:
        """Record an error at `path:line`."""
        self.problems.append(Problem(self.relative(path), line, message, True))
        self._failed.add(self.problems[-1].path)

    def warn(self, path: Path | str, line: int, message: str) -> None:
        """Record a warning at `path:line` (an error at the end of a --strict run)."""
        self.problems.append(Problem(self.relative(path), line, message, False))

    def take(self, problems: list[Problem]) -> None:
        """Record problems found earlier, by another `Diagnostics` of the same site."""
        for problem in problems:
            self.problems.append(problem)
            if problem.is_error:
                self._failed.add(problem.path)

    def failed(self, path: Path | str) -> bool:
        """Whether an error was recorded for `path` (so that a warning about it would be a follow-on)."""
        return self.relative(path) in self._failed

    @property
    def errors(self) -> list[Problem]:
        return sorted(set(p for p in self.problems if p.is_error))

    @property
    def warnings(self) -> list[Problem]:
        return sorted(set(p for p in self.problems if not p.is_error))

    def raise_if_errors(self, final: bool = False) -> None:
        """Stop the run if any error was recorded, reporting all problems.

        Once every check has run (`final`), a strict run stops on warnings too.
        Warnings are reported as errors in a strict run.
        """
        if self.errors or (final and self.strict and self.problems):
            problems = [replace(p, is_error=True) for p in self.problems] if self.strict else self.problems
            raise SiteError(problems)


def plural(count: int, noun: str) -> str:
    """`1 error`, `2 errors`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def did_you_mean(word: str, choices: list[str] | tuple[str, ...], cutoff: float = 0.6) -> str:
    """Return ' (did you mean "x"?)' for the closest choice (similarity `cutoff` at least), or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return f' (did you mean "{close[0]}"?)' if close else ""
