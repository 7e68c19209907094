"""Exception family. Every error carries a one-line message: what is wrong and how to fix it.

The CLI prints ``str(error)`` and exits with the error's ``exit_code``; it never prints a traceback
for these. Exit codes are named here once (sysexits-style where one fits).
"""

from __future__ import annotations

EXIT_FAILED = 1          # a job failed, or verify found a disagreement
EXIT_USAGE = 2           # the command line or the configuration is wrong
EXIT_LOCKED = 3          # another job holds the data directory
EXIT_INTERNAL = 70       # a bug: please report it (EX_SOFTWARE)
EXIT_OS = 74             # a full or read-only disk, a missing permission (EX_IOERR)
EXIT_TERMINATED = 143    # stopped by SIGTERM (128 + 15)


def first_line(exc: BaseException) -> str:
    """What an exception says, in one line: its message's first line, else its class name."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class ScrobbleInsightsError(Exception):
    """Base class: a problem the user can act on, described in one line."""

    exit_code = EXIT_FAILED


class ConfigError(ScrobbleInsightsError):
    """The configuration or the command line is wrong."""

    exit_code = EXIT_USAGE


class LastfmError(ScrobbleInsightsError):
    """last.fm answered with an error, or with something that is not a valid answer."""

    def __init__(self, message: str, *, code: int | None = None, method: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.method = method


class TransientLastfmError(LastfmError):
    """A failure that may heal by itself (rate limit, backend hiccup, network, cut-off body)."""


class RateLimitedError(TransientLastfmError):
    """last.fm error 29: too many requests."""


class PermanentLastfmError(LastfmError):
    """A failure retrying cannot fix (unknown user, invalid key, private history, ...)."""


class MusicBrainzError(ScrobbleInsightsError):
    """MusicBrainz answered with an error retrying cannot fix (400, 401, 403), or kept failing."""


class TransientMusicBrainzError(MusicBrainzError):
    """A MusicBrainz failure that may heal: 503 (rate limit or overload), another 5xx, an HTML or
    cut-off body, a dropped connection, a timeout."""

    retry_after: float = 0.0


class ExtractError(ScrobbleInsightsError):
    """A window could not be extracted consistently."""


class WarehouseError(ScrobbleInsightsError):
    """The warehouse could not be opened or written."""


class WarehouseBusyError(WarehouseError):
    """Another process has the warehouse (or no reader copy exists yet while a job writes): try again
    when it is done."""


class BronzeError(ScrobbleInsightsError):
    """A bronze file cannot be read."""


class Terminated(SystemExit):
    """The process was asked to stop (SIGTERM): like KeyboardInterrupt for Ctrl-C, a stop, not an error
    to handle. A SystemExit, so neither asyncio nor our own `except ScrobbleInsightsError` (one user's
    failure, the tags' failure) takes it for something to carry on after; the job still records and
    alerts it (it catches BaseException), and the CLI prints its one line."""

    exit_code = EXIT_TERMINATED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = EXIT_TERMINATED         # the exit status, should it ever reach the interpreter


class LockedError(ScrobbleInsightsError):
    """Another job holds the data directory."""

    exit_code = EXIT_LOCKED


class TransformError(ScrobbleInsightsError):
    """dbt could not build or a data test failed."""


class JobFailures(ScrobbleInsightsError):
    """Some users (or the tags) failed; the rest was extracted, loaded and modelled."""


def os_error_message(exc: OSError, where_else: object = None) -> str:
    """A one-line message for an operating-system error: which file (else `where_else`), what is
    wrong, how to fix it."""
    import errno

    where = f" {exc.filename or where_else}" if exc.filename or where_else else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the device of{where}: free some space (or move the data directory) and run again"
    if exc.errno == errno.EROFS:
        return f"cannot write{where}: the file system is read-only; use a writable --data-dir"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"cannot write{where}: permission denied; fix its permissions or use another --data-dir"
    return f"cannot use{where}: {exc.strerror or type(exc).__name__}"
