"""User-facing errors: the CLI prints these as one paragraph, without a traceback."""


class InputError(Exception):
    """A file or argument the toolkit cannot use. The message names the file, row and column
    where known, and says what was expected."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None):
        self.file, self.row, self.column = file, row, column
        where = ", ".join(p for p in [f"file {file}" if file else "", f"row {row}" if row is not None else "",
                                      f"column {column!r}" if column else ""] if p)
        super().__init__(f"{where}: {message}" if where else message)
