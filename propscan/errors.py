"""Errors that users see. Each carries a code (E###) and says what to do.

The CLI turns any PropscanError into one line on stderr and a non-zero exit; the server turns
it into a JSON error with a 4xx status. Anything else is a bug.
"""

from __future__ import annotations


class PropscanError(Exception):
    code = "E000"
    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class InputError(PropscanError):
    """Input the user gave us cannot be read: missing, empty, binary, malformed."""

    code = "E001"
    exit_code = 2


class EmptyTextError(InputError):
    code = "E002"


class DecodeError(InputError):
    code = "E003"


class MalformedLineError(InputError):
    code = "E004"


class ModelError(PropscanError):
    """The model folder is missing or incomplete."""

    code = "E010"
    exit_code = 3


class TrainingError(PropscanError):
    code = "E020"
    exit_code = 4
