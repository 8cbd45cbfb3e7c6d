"""Customer rows from the files a CRM exports: CSV, JSON Lines and Parquet.

Each row becomes a :class:`~recommender.batch.Row`: the profile's raw data and its
:class:`~recommender.profile.Source` (the file, the row's line, the table's column
names), so a bad row's problems point at the cell. In CSV an empty cell means the
field is absent, list fields (``needs``, ``existing_products`` ...) are separated by
``;``, and ``key_persons`` is JSON. A column map renames a CRM export's columns to
profile fields. Chinese CSV files come as UTF-8 (with or without a byte-order mark)
or GBK; the encoding is detected unless given.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

from .batch import Row
from .errors import Issue, ProfileError, Said
from .profile import CustomerProfile, KeyPerson, Source

__all__ = ["FORMATS", "count_rows", "read_column_map", "read_rows", "table_row"]

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
_SNIFF = 1 << 16  # bytes read to tell UTF-8 from GBK


def _list_fields() -> frozenset[str]:
    out = set()
    for name, info in CustomerProfile.model_fields.items():
        kinds = [info.annotation, *get_args(info.annotation)]
        if any(get_origin(k) is list and get_args(k) and get_args(k)[0] is not KeyPerson for k in kinds):
            out.add(name)
    return frozenset(out)


LIST_FIELDS = _list_fields()
JSON_FIELDS = frozenset({"key_persons"})


def file_format(path: Path) -> str:
    """``csv``, ``jsonl`` or ``parquet`` by the file's suffix; ValueError names the ones known."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: unknown format {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    return kind


def read_column_map(path: str | Path) -> dict[str, str]:
    """A column map file: YAML or JSON mapping an export's column names to profile fields."""
    from .profile import read_yaml

    data = read_yaml(path).data
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ProfileError([Issue(code="wrong-type", file=str(path), line=1,
                                  message=Said("wrong-type.column-map"), hint=Said("hint.wrong-type.column-map"))])
    return data


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` for UTF-8 with or without a byte-order mark, else ``gbk`` (Excel's Chinese default)."""
    with path.open("rb") as f:
        head = f.read(_SNIFF)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut at the end of the sample
            return "gbk"
    return "utf-8-sig"


def count_rows(path: str | Path, encoding: str | None = None) -> int:
    """How many rows ``path`` holds (for a progress bar's total)."""
    path = Path(path)
    kind = file_format(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with path.open(encoding=encoding or detect_encoding(path), newline="") as f:
        if kind == "csv":
            return sum(1 for _ in csv.reader(f)) - 1
        return sum(1 for line in f if line.strip())


def read_rows(path: str | Path, *, encoding: str | None = None,
              column_map: Mapping[str, str] | None = None) -> Iterator[Row]:
    """The rows of a CSV, JSON Lines or Parquet file, each with its source."""
    path = Path(path)
    kind = file_format(path)
    renames = dict(column_map or {})
    if kind == "parquet":
        yield from _parquet(path, renames)
        return
    with path.open(encoding=encoding or detect_encoding(path), newline="") as f:
        yield from (_csv if kind == "csv" else _jsonl)(f, str(path), renames)


def _renamed(record: Mapping[str, Any], renames: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The record under profile field names, and field -> the file's column where they differ."""
    data, columns = {}, {}
    for column, value in record.items():
        name = renames.get(column, column)
        data[name] = value
        if name != column:
            columns[name] = column
    return data, columns


def _csv(f: io.TextIOBase, file: str, renames: Mapping[str, str]) -> Iterator[Row]:
    reader = csv.DictReader(f)
    for record in reader:
        yield table_row(record, Source(file=file, line=reader.line_num), renames)


def table_row(record: Mapping[str, Any], source: Source, renames: Mapping[str, str] | None = None) -> Row:
    """A row of a table (a CSV line, a DataFrame row) as a profile's data.

    Empty, None and NaN cells are absent; text in a list field is split on ``;``, text in
    ``key_persons`` is JSON; numpy numbers become Python numbers.
    """
    data, columns = _renamed(record, renames or {})
    cells: dict[str, Any] = {}
    problems: list[Issue] = []
    for name, cell in data.items():
        value = _plain(cell)
        if value is None or name is None:
            continue
        if isinstance(value, str) and name in LIST_FIELDS:
            cells[name] = [v.strip() for v in value.split(";") if v.strip()]
        elif isinstance(value, str) and name in JSON_FIELDS:
            try:
                cells[name] = json.loads(value)
            except json.JSONDecodeError as exc:
                problems.append(Issue(code="wrong-type", file=source.file, line=source.line,
                                      path=columns.get(name, name), message=Said("wrong-type.json", error=exc.msg),
                                      hint=Said("hint.wrong-type.json-cell")))
        else:
            cells[name] = value
    located = Source(file=source.file, line=source.line, columns=columns)
    return Row(cells, located, ProfileError(problems) if problems else None)


def _plain(cell: Any) -> Any:
    """``cell`` as a Python value, or None when the cell is empty (blank text, None, NaN)."""
    if isinstance(cell, str):
        return cell.strip() or None
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None
    if hasattr(cell, "tolist"):  # numpy scalars and arrays (a list cell of a DataFrame or Parquet file)
        return _plain(cell.tolist())
    if type(cell).__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return None
    return cell


def _jsonl(f: io.TextIOBase, file: str, renames: Mapping[str, str]) -> Iterator[Row]:
    for number, line in enumerate(f, start=1):
        if not line.strip():
            continue
        source = Source(file=file, line=number)
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Row({}, source, ProfileError([Issue(code="yaml-syntax", file=file, line=number,
                                                      column=exc.colno, message=Said("wrong-type.json", error=exc.msg),
                                                      hint=Said("hint.yaml-syntax.json-line"))]))
            continue
        if not isinstance(record, dict):
            yield Row(record, source)  # parse_profile says what a profile must be
            continue
        data, columns = _renamed(record, renames)
        yield Row(data, Source(file=file, line=number, columns=columns))


def _parquet(path: Path, renames: Mapping[str, str]) -> Iterator[Row]:
    import pyarrow.parquet as pq

    number = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
        for record in batch.to_pylist():
            number += 1
            yield table_row(record, Source(file=str(path), line=number), renames)
