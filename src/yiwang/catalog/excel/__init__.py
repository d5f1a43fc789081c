"""The catalogue workbook: the ``yiwang.catalog/1`` document as an Excel file (.xlsx) a clerk can
read and fill in, and back (layout: docs/modules/catalog-format.md, "Excel workbook").

Reading converts the workbook to the JSON document and hands it to the same validator and
:func:`catalogue_import` as a JSON file (all or nothing); every problem names its sheet, row and
column. Both directions stream — writing with openpyxl's write-only mode, reading with
:mod:`yiwang.core.xlsx_stream` (expat, about seven times faster than openpyxl's
read-only mode here) — so a city's whole catalogue loads in seconds with memory bounded by the
document.

The package by concern: :mod:`~yiwang.catalog.excel.schema` (sheets, columns, enumeration
labels), :mod:`~yiwang.catalog.excel.reading` (cells → document, import),
:mod:`~yiwang.catalog.excel.locations` (problems → sheet, row and column),
:mod:`~yiwang.catalog.excel.writing` (document → workbook, export); the low-level cell reader
is core's :mod:`yiwang.core.xlsx_stream`, shared with the enterprise registry's import.
"""

from yiwang.catalog.excel.locations import Locations
from yiwang.catalog.excel.reading import catalogue_import_workbook, read_workbook
from yiwang.catalog.excel.schema import SHEETS, Column, Sheet
from yiwang.catalog.excel.writing import catalogue_export_workbook, write_workbook

__all__ = [
    "SHEETS",
    "Column",
    "Locations",
    "Sheet",
    "catalogue_export_workbook",
    "catalogue_import_workbook",
    "read_workbook",
    "write_workbook",
]
