"""The `propscan` command. Each command lives in its own module as a thin wrapper over an
importable function; this module only assembles them and turns errors into one line."""

from __future__ import annotations

import sys

from propscan.cli._app import app
from propscan.errors import PropscanError

# Importing a command module registers its command on `app`.
from propscan.cli import analyze, batch, bench, claims, classify, evaluate, predict, report, review, serve, train  # noqa: E402,F401


def main() -> None:
    try:
        app()
    except PropscanError as e:
        print(f"propscan: error: {e}", file=sys.stderr)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        print("propscan: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
