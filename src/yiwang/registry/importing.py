"""Reading an enterprise file for import: the encoding decided from the bytes, CSV or .xlsx
rows streamed one at a time, headers in Chinese or as field names, cells turned into the raw
values :func:`~yiwang.registry.services.profiles.profile_clean` checks.

Nothing here touches the database; :mod:`yiwang.registry.services.imports` runs the job.

* **Encoding** (:func:`detect_encoding`): a byte-order mark decides (UTF-8, UTF-16); otherwise
  the first block holding non-ASCII bytes must decode as UTF-8, else as GB18030 (a superset of
  GBK and GB2312, what Excel on a Chinese Windows writes as "CSV"). What the uploader declares
  (a ``charset`` in the content type) is ignored. Bytes that do not decode later in the file
  make their row fail with a message naming the encoding, the other rows import.
* **Rows**: CSV through :mod:`csv` over a text stream read line by line (a line longer than
  :data:`MAX_LINE` characters is skipped and reported, so a file without line breaks cannot
  fill memory); .xlsx through :mod:`yiwang.core.xlsx_stream` (first sheet). Row numbers are
  the spreadsheet's: the header is row 1.
* **Cells**: 企业规模 and 经营状态 in Chinese words, dates as ``2019-05-20``, ``2019/5/20``,
  ``20190520``, ``2019年5月20日`` or an Excel date serial, numbers with thousands separators,
  资质 cells as ``高新技术企业:2024-01-01~2026-12-31[:certificate number]`` (several in one cell
  separated by ``;``), 标签 separated by ``;`` ``,`` or ``、``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from yiwang.core import xlsx_stream
from yiwang.registry.choices import CreditRating, ImportFormat, QualificationKind

MAX_LINE = 1 << 20  # characters of one physical CSV line
SNIFF_BYTES = 1 << 16
csv.field_size_limit(MAX_LINE)


class ImportRefused(Exception):
    """The file as a whole cannot be read (not CSV or .xlsx, not text in a known encoding, no
    header, no USCC column); ``message`` says why, for the job and the uploader."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- headers -----------------------------------------------------------------------------------

# normalised header (no blanks, ASCII parentheses, unit removed) → profile field
_HEADERS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码"),
    "name": ("企业名称", "名称", "单位名称"),
    "legal_representative": ("法定代表人", "法人代表", "负责人"),
    "address": ("注册地址", "住所", "地址"),
    "district": ("所在区", "所属区", "区县", "所在区县"),
    "street": ("所在街道", "所属街道", "街道", "镇街"),
    "park": ("园区", "所在园区"),
    "industry": ("行业代码", "国民经济行业代码", "行业"),
    "scale": ("企业规模", "规模"),
    "founded_on": ("成立日期", "成立时间"),
    "registered_capital": ("注册资本",),
    "employees": ("从业人数", "从业人员", "职工人数"),
    "revenue": ("营业收入",),
    "total_assets": ("资产总额", "总资产"),
    "tax_paid": ("纳税额", "纳税总额", "税收"),
    "rd_spend": ("研发投入", "研发费用"),
    "credit_rating": ("纳税信用等级", "纳税信用"),
    "invention_patents": ("发明专利", "发明专利数"),
    "utility_patents": ("实用新型", "实用新型专利", "实用新型专利数"),
    "software_copyrights": ("软件著作权", "软件著作权数"),
    "trademarks": ("商标", "注册商标", "商标数"),
    "status": ("经营状态", "登记状态", "状态"),
    "tags": ("标签",),
}
QUALIFICATION_HEADERS = ("资质", "qualification", "qualifications")
_UNITS = re.compile(r"\((万元|元|人|个|件|项)\)$")


def normalise_header(text: Any) -> str:
    value = "" if text is None else str(text)
    value = value.replace("\ufeff", "").replace("（", "(").replace("）", ")")
    value = re.sub(r"\s+", "", value)
    return _UNITS.sub("", value).lower()


HEADERS: dict[str, str] = {
    normalise_header(h): name for name, heads in _HEADERS.items() for h in (name, *heads)
}


@dataclass
class Columns:
    """Where each field sits in the rows of a file."""

    headers: list[str]  # as written in the file, by column
    fields: dict[int, str] = field(default_factory=dict)  # column → field
    qualifications: list[int] = field(default_factory=list)  # the 资质 columns
    unknown: list[str] = field(default_factory=list)

    def header_of(self, name: str) -> str:
        """The file's header of a field (for the error report)."""
        if name == "qualifications" and self.qualifications:
            return self.headers[self.qualifications[0]]
        for column, field_name in self.fields.items():
            if field_name == name:
                return self.headers[column]
        return name


def columns_of(header_cells: list[Any]) -> Columns:
    """Map a header row; refuse a file without a USCC column or naming a field twice."""
    headers = ["" if c is None else str(c).strip().lstrip("\ufeff") for c in header_cells]
    columns = Columns(headers=headers)
    seen: dict[str, str] = {}
    for index, text in enumerate(headers):
        key = normalise_header(text)
        if not key:
            continue
        if key.startswith(QUALIFICATION_HEADERS):
            columns.qualifications.append(index)
            continue
        name = HEADERS.get(key)
        if name is None:
            columns.unknown.append(text)
            continue
        if name in seen:
            raise ImportRefused(
                _("Columns %(a)s and %(b)s both give %(field)s; keep one.")
                % {"a": seen[name], "b": text, "field": name}
            )
        seen[name] = text
        columns.fields[index] = name
    if "uscc" not in seen:
        raise ImportRefused(
            _(
                "The first row must name the columns, one of them 统一社会信用代码 (uscc); "
                "found: %(headers)s."
            )
            % {"headers": ", ".join(h for h in headers if h)[:300] or "-"}
        )
    return columns


# --- cells -------------------------------------------------------------------------------------

SCALE_WORDS = {"大型": "large", "中型": "medium", "小型": "small", "微型": "micro"}
STATUS_WORDS = {
    "存续": "operating", "在业": "operating", "开业": "operating", "在营": "operating",
    "正常": "operating", "歇业": "suspended", "停业": "suspended", "吊销": "revoked",
    "吊销未注销": "revoked", "注销": "cancelled", "已注销": "cancelled", "迁出": "moved_out",
}  # fmt: skip
QUALIFICATION_WORDS = {
    "高新技术企业": QualificationKind.HIGH_TECH,
    "国家高新技术企业": QualificationKind.HIGH_TECH,
    "科技型中小企业": QualificationKind.TECH_SME,
    "创新型中小企业": QualificationKind.INNOVATIVE_SME,
    "专精特新中小企业": QualificationKind.SPECIALISED_SME,
    "专精特新小巨人": QualificationKind.LITTLE_GIANT,
    "专精特新小巨人企业": QualificationKind.LITTLE_GIANT,
    "小巨人": QualificationKind.LITTLE_GIANT,
}
QUALIFICATION_SHORT = {
    QualificationKind.HIGH_TECH: "高新技术企业",
    QualificationKind.TECH_SME: "科技型中小企业",
    QualificationKind.INNOVATIVE_SME: "创新型中小企业",
    QualificationKind.SPECIALISED_SME: "专精特新中小企业",
    QualificationKind.LITTLE_GIANT: "专精特新小巨人",
}
DATE_FIELDS = ("founded_on",)
COUNT_FIELDS = ("employees", "invention_patents", "utility_patents", "software_copyrights",
                "trademarks")  # fmt: skip
EXCEL_EPOCH = dt.date(1899, 12, 30)
CREDIT_RATINGS = frozenset(CreditRating.values)
_CN_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*$")
_QUAL = re.compile(
    r"^(?P<kind>[^:：]+)[:：]\s*(?P<start>[\d./\-年月日]+)\s*(?:~|～|至|--|—)\s*"
    r"(?P<end>[\d./\-年月日]+)\s*(?:[:：]\s*(?P<cert>\S.*))?$"
)
_QUAL_SPLIT = re.compile(r"[;；\n]+")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date_text(value: Any) -> Any:
    """A date cell as text the profile cleaner reads (an Excel serial becomes a date)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's 1900-01-01 … 9999-12-31
            return (EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat()
        return str(value)
    text = _text(value)
    match = _CN_DATE.match(text)
    if match:
        return "-".join(match.groups())
    return text


def _word(value: str, words: dict[str, str]) -> str:
    key = value.replace("企业", "").strip() if value.endswith("型企业") else value.strip()
    return words.get(key, words.get(value.strip(), value))


def qualification_parse(text: str) -> tuple[list[dict], str]:
    """The qualifications of one 资质 cell, and an error message ("" when all are good)."""
    found = []
    for part in _QUAL_SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        match = _QUAL.match(part)
        if match is None:
            return [], _(
                "Write a qualification as kind:YYYY-MM-DD~YYYY-MM-DD, e.g. "
                "高新技术企业:2024-01-01~2026-12-31; got %(text)s."
            ) % {"text": part[:60]}
        kind_text = re.sub(r"[\s“”\"'‘’]", "", match["kind"])
        kind = QUALIFICATION_WORDS.get(kind_text)
        if kind is None and kind_text in QualificationKind.values:
            kind = kind_text
        if kind is None:
            return [], _("%(kind)s is not a known qualification; use one of: %(choices)s.") % {
                "kind": kind_text[:30],
                "choices": "、".join(QUALIFICATION_SHORT.values()),
            }
        found.append(
            {
                "kind": str(kind),
                "valid_from": _date_text(match["start"]),
                "valid_to": _date_text(match["end"]),
                "certificate_no": (match["cert"] or "").strip(),
            }
        )
    return found, ""


def row_raw(columns: Columns, cells: list[Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The raw profile of one row and the problems found here ((field, message) pairs); the
    profile cleaner checks the rest."""
    raw: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    width = len(cells)
    for column, name in columns.fields.items():
        value = cells[column] if column < width else None
        if name in DATE_FIELDS:
            raw[name] = _date_text(value)
            continue
        text = _text(value)
        if name == "scale" and text:
            text = _word(text, SCALE_WORDS)
        elif name == "status" and text:
            text = _word(text, STATUS_WORDS)
        elif name == "credit_rating" and text:
            text = text.upper().removesuffix("级")
            if text not in CREDIT_RATINGS:
                problems.append((name, _("%(value)s is not a tax credit rating (A, B, M, C, D).")
                                 % {"value": text}))  # fmt: skip
                continue
        elif name in COUNT_FIELDS:
            text = text.replace(",", "")
        elif name == "uscc":
            text = text.upper()
        raw[name] = text
    if columns.qualifications:
        held: list[dict] = []
        for column in columns.qualifications:
            text = _text(cells[column] if column < width else None)
            if not text:
                continue
            parsed, problem = qualification_parse(text)
            if problem:
                problems.append(("qualifications", problem))
                break
            held.extend(parsed)
        raw["qualifications"] = held
    return raw, problems


# --- encodings and rows ------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip


def _decodes(block: bytes, encoding: str) -> bool:
    try:
        block.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _vote(block: bytes, complete: bool) -> str | None:
    """UTF-8 or GB18030 by the lines of a block that hold non-ASCII bytes: a line of Chinese
    text in GBK is practically never valid UTF-8, so UTF-8 wins when at least half of those
    lines are valid UTF-8 (a stray line in another encoding then fails on its own)."""
    lines = block.split(b"\n")
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle of a character
    lines = [line for line in lines if not line.isascii()]
    if not lines:
        return None
    utf8 = sum(_decodes(line, "utf-8") for line in lines)
    if utf8 and 2 * utf8 >= len(lines):
        return "utf-8"
    gb = sum(_decodes(line, "gb18030") for line in lines)
    if 2 * gb > len(lines):
        return "gb18030"
    return ""


def detect_encoding(stream: IO[bytes]) -> str:
    """The text encoding of a file from its bytes (the stream is left at its start)."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    try:
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                return encoding
        if b"\x00" in head:
            raise ImportRefused(_("The file is not text (it contains NUL bytes)."))
        block = head
        while block and block.isascii():  # decide on the first block with non-ASCII bytes
            block = stream.read(SNIFF_BYTES)
        if not block:
            return "utf-8"
        # a whole line past the block's end, so the last line is complete
        complete = len(block) < SNIFF_BYTES
        if not complete:
            block += stream.readline(MAX_LINE)
            complete = True
        found = _vote(block, complete)
        if found:
            return found
        raise ImportRefused(
            _("The file is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8 or .xlsx.")
        )
    finally:
        stream.seek(0)


def detect_format(stream: IO[bytes]) -> str:
    """``xlsx`` for a zip (Office Open XML), ``csv`` for anything else (checked as text)."""
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return ImportFormat.XLSX
    return ImportFormat.CSV


@dataclass
class SourceRow:
    number: int  # the spreadsheet's row number (header = 1)
    cells: list[Any]
    problem: str = ""  # the row could not be read as it was written


class RowSource:
    """The rows of one file after its header: iterate for :class:`SourceRow`; ``columns`` is
    the mapped header, ``bytes_read`` how far into the file reading has come."""

    encoding = ""
    columns: Columns

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    @property
    def bytes_read(self) -> int:
        try:
            return self._stream.tell()
        except (OSError, ValueError):
            return 0

    def __iter__(self) -> Iterator[SourceRow]:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        pass


class CsvRows(RowSource):
    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(stream)
        self.encoding = detect_encoding(stream)
        self._too_long = False
        self._text = io.TextIOWrapper(stream, encoding=self.encoding, errors="replace", newline="")
        self._lines = self._physical_lines()
        first = next(self._lines, "")
        while first and not first.strip():
            first = next(self._lines, "")
        if not first.strip():
            raise ImportRefused(_("The file is empty."))
        dialect = self._dialect(first)
        header = next(csv.reader([first], dialect))
        self.columns = columns_of(header)
        self._reader = csv.reader(self._lines, dialect)

    @staticmethod
    def _dialect(first_line: str) -> type[csv.Dialect]:
        counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
        delimiter = max(counts, key=lambda d: counts[d])

        class Dialect(csv.excel):
            pass

        Dialect.delimiter = delimiter if counts[delimiter] else ","
        return Dialect

    def _physical_lines(self) -> Iterator[str]:
        text = self._text
        while True:
            line = text.readline(MAX_LINE)
            if not line:
                return
            if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
                self._too_long = True
                while True:  # skip the rest of the line without keeping it
                    rest = text.readline(MAX_LINE)
                    if not rest or rest.endswith(("\n", "\r")):
                        break
                line = "\n"
            yield line

    def __iter__(self) -> Iterator[SourceRow]:
        number = 1
        while True:
            self._too_long = False
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield SourceRow(number, [], _("The row cannot be read as CSV: %(error)s.")
                                % {"error": exc})  # fmt: skip
                continue
            number += 1
            if self._too_long:
                yield SourceRow(
                    number,
                    [],
                    _("The row is longer than %(n)d characters; it was skipped.") % {"n": MAX_LINE},
                )
            elif any("\ufffd" in cell for cell in cells):
                yield SourceRow(
                    number,
                    cells,
                    _("The row has bytes that are not valid %(encoding)s text.")
                    % {"encoding": _encoding_label(self.encoding)},
                )
            else:
                yield SourceRow(number, cells)

    def close(self) -> None:
        self._text.detach()


class XlsxRows(RowSource):
    encoding = "xlsx"

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(stream)
        try:
            self._book = xlsx_stream.Workbook(stream)
        except xlsx_stream.NotAWorkbook as exc:
            raise ImportRefused(
                _("The file is not a readable .xlsx workbook (%(error)s).") % {"error": exc}
            ) from None
        self._rows = self._book.rows(self._book.sheetnames[0])
        try:
            header = next(self._rows, None)
        except xlsx_stream.NotAWorkbook as exc:
            self._book.close()
            raise ImportRefused(str(exc)) from None
        if header is None:
            self._book.close()
            raise ImportRefused(_("The first sheet of the workbook is empty."))
        try:
            self.columns = columns_of(header[1])
        except ImportRefused:
            self._book.close()
            raise

    def __iter__(self) -> Iterator[SourceRow]:
        last = 1
        try:
            for number, values in self._rows:
                last = number
                yield SourceRow(number, values)
        except xlsx_stream.NotAWorkbook as exc:
            raise ImportRefused(
                _("The workbook is damaged after row %(row)s (%(error)s).")
                % {"row": last, "error": exc}
            ) from None

    def close(self) -> None:
        self._book.close()


ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16",
                   "gb18030": "GBK/GB18030"}  # fmt: skip


def _encoding_label(encoding: str) -> str:
    return ENCODING_LABELS.get(encoding, encoding)


def encoding_label(encoding: str) -> str:
    """How the page names a detected encoding."""
    return _encoding_label(encoding)


def open_rows(stream: IO[bytes]) -> RowSource:
    """The row source of a seekable binary stream, by its bytes (zip → .xlsx, else CSV)."""
    if detect_format(stream) == ImportFormat.XLSX:
        return XlsxRows(stream)
    return CsvRows(stream)
