"""The working-time arithmetic: precomputed day tables, no database access.

A :class:`CalendarEngine` is built once from a :class:`CalendarData` snapshot. It lays every day
from 1990 to 2100 (wider when a calendar holds data outside) into flat tables indexed by
``ordinal - base``:

* ``flags[k]`` – 1 if the day is a working day;
* ``count_le[k]`` – how many working days lie on or before the day (a prefix count, so "the N-th
  working day after day k" is ``work_ords[count_le[k] + N - 1]`` — O(1), no loop, no bisect);
* ``next_unc[k]`` – the first ordinal on or after the day that lies in a year without data, so
  "did this computation touch an uncovered year" is one comparison.

Office time is a single integer axis: working day ``i`` owns the microseconds
``[i*L, (i+1)*L)`` where ``L`` is the length of one day's office hours. An instant maps to the
office time elapsed before it (instants outside office hours map to the next office start) and
back; N working hours after t is ``coord(t) + N`` mapped back. Years without data follow
Monday–Friday and the result carries a warning; nothing here raises for them.

Batches (:meth:`CalendarEngine.days_batch`, behind ``facade.compute_deadlines``) do the common
case with numpy: one Python pass reads the items and turns each start into a local day number,
then the table lookups (``last_le[k] + days``, the ``limit[k]`` check) and the gather of the
shared results run as array operations. Items outside the common case are left to the
item-by-item path, so a batch gives exactly what single calls give.
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext

from yiwang.core.errors import InvalidInput

FIRST_YEAR = 1990
LAST_YEAR = 2100
US = 1_000_000  # microseconds per second: the engine's unit of office time
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
EPOCH_ORD = dt.date(1970, 1, 1).toordinal()
_NEVER = dt.timedelta.max
# Below this many items a batch runs the plain loop: numpy's fixed cost per call (≈ 15–20 µs,
# some twenty array operations) exceeds what vectorising saves (measured crossover 64–128).
VECTOR_MIN = 100


@dataclass(frozen=True, slots=True)
class Deadline:
    """A computed deadline (aware, in the calendar's time zone) and warnings about the data."""

    deadline: dt.datetime
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WorkingTime:
    """Office time between two instants: whole ``seconds`` and (rounded down) ``minutes``."""

    seconds: int
    warnings: tuple[str, ...] = ()

    @property
    def minutes(self) -> int:
        return self.seconds // 60


@dataclass(frozen=True, slots=True)
class DeadlineRequest:
    """One item of a batch: exactly one of ``working_days`` and ``working_hours``."""

    start: dt.datetime
    working_days: int | None = None
    working_hours: int | float | Decimal | None = None
    calendar: str = "CN"


@dataclass(frozen=True)
class CalendarData:
    """What an engine is built from (a snapshot of one calendar's rows)."""

    code: str
    time_zone: str
    periods: tuple[tuple[dt.time, dt.time], ...]
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    covered_years: frozenset[int]
    version: int = 0


def invalid(field: str, code: str, message: str) -> InvalidInput:
    """An :class:`InvalidInput` with one per-field error (the API shape)."""
    return InvalidInput(code, message, errors=[{"field": field, "code": code, "message": message}])


def uncovered_year_warning(code: str, year: int) -> str:
    return gettext(
        "Calendar %(code)s has no holiday data for %(year)s: Monday–Friday was assumed."
    ) % {"code": code, "year": year}


@lru_cache(maxsize=32)
def _fixed_offset_since(tz_name: str, last_year: int) -> tuple[dt.timedelta, int]:
    """(instant since the epoch from which the zone's UTC offset never changes, that offset).

    Lets the hot path turn an aware datetime into a local day with integer arithmetic instead of
    ``astimezone``. Asia/Shanghai has been UTC+8 since its last DST change in September 1991.
    """
    tz = ZoneInfo(tz_name)

    def offset_at(seconds: int) -> int:
        instant = EPOCH + dt.timedelta(seconds=seconds)
        return int(instant.astimezone(tz).utcoffset().total_seconds())

    end = int((dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC) - EPOCH).total_seconds())
    final = offset_at(end)
    step = 86400  # zones change offset at most a few times a year: a day is a fine probe
    probe = end
    floor = int((dt.datetime(1900, 1, 1, tzinfo=dt.UTC) - EPOCH).total_seconds())
    while probe > floor and offset_at(probe - step) == final:
        probe -= step
    if probe <= floor:
        return dt.timedelta(seconds=floor), final
    if probe >= end:
        return _NEVER, final  # the offset still changes at the end of the range (DST zone)
    lo, hi = probe - step, probe  # offset differs at lo, equals final from hi on
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if offset_at(mid) == final:
            hi = mid
        else:
            lo = mid
    return dt.timedelta(seconds=hi), final


class CalendarEngine:
    """Working-day and office-hour arithmetic over one calendar; immutable after construction."""

    def __init__(self, data: CalendarData) -> None:
        self.code = data.code
        self.version = data.version
        self.tz = ZoneInfo(data.time_zone)
        self.covered_years = frozenset(data.covered_years)
        data_years = {d.year for d in data.holidays} | {d.year for d in data.workdays}
        self.first_year = min([FIRST_YEAR, *data_years, *self.covered_years])
        self.last_year = max([LAST_YEAR, *data_years, *self.covered_years])
        self.base = dt.date(self.first_year, 1, 1).toordinal()
        self.size = dt.date(self.last_year, 12, 31).toordinal() - self.base + 1
        self._build_days(data)
        self._build_periods(data.periods)
        self.fixed_from, self.fixed_offset = _fixed_offset_since(data.time_zone, self.last_year)
        self._day_results: list[Deadline | None] = [None] * len(self.work_ords)
        self._midnights: list[dt.datetime | None] = [None] * len(self.work_ords)
        # The hot paths are closures over local tables (no attribute lookups per call).
        self.add_days = self._make_add_days()
        self.add_hours = self._make_add_hours()
        self.days_batch = self._make_days_batch()

    # --- construction -------------------------------------------------------------------
    def _build_days(self, data: CalendarData) -> None:
        holidays = {d.toordinal() for d in data.holidays}
        workdays = {d.toordinal() for d in data.workdays}
        flags = bytearray(self.size)
        count_le = [0] * self.size
        next_unc = [0] * self.size
        work_ords: list[int] = []
        weekday0 = dt.date.fromordinal(self.base).weekday()
        count = 0
        for k in range(self.size):
            o = self.base + k
            if o in workdays or ((weekday0 + k) % 7 < 5 and o not in holidays):
                flags[k] = 1
                work_ords.append(o)
                count += 1
            count_le[k] = count
        nxt = self.base + self.size + 400_000  # beyond any result: "no uncovered day ahead"
        for year in range(self.last_year, self.first_year - 1, -1):
            first = dt.date(year, 1, 1).toordinal() - self.base
            last = dt.date(year, 12, 31).toordinal() - self.base
            if year not in self.covered_years:
                nxt = first + self.base
                next_unc[first : last + 1] = range(first + self.base, last + self.base + 1)
            else:
                next_unc[first : last + 1] = [nxt] * (last - first + 1)
        self.flags = bytes(flags)
        self.count_le = count_le
        self.next_unc = next_unc
        self.work_ords = work_ords
        # For the hot path: the index of the last working day on or before day k, and how far
        # (as a working-day index) a result may go from day k without reaching a year without
        # data or the end of the tables — one comparison decides "plain result, no warning".
        self.last_le = [c - 1 for c in count_le]
        limit_of: dict[int, int] = {}
        limit = [0] * self.size
        for k in range(self.size):
            nxt = next_unc[k]
            cached = limit_of.get(nxt)
            if cached is None:
                j = nxt - self.base - 1
                cached = limit_of[nxt] = (
                    len(work_ords) if j >= self.size else (count_le[j] if j >= 0 else 0)
                )
            limit[k] = cached
        self.limit = limit

    def _build_periods(self, periods: tuple[tuple[dt.time, dt.time], ...]) -> None:
        def us(t: dt.time) -> int:
            return ((t.hour * 60 + t.minute) * 60 + t.second) * US + t.microsecond

        spans = sorted((us(a), us(b)) for a, b in periods if us(a) < us(b))
        if not spans:
            raise ValueError(f"calendar {self.code} has no office hours")
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        self.periods = tuple(merged)
        self.day_length = sum(end - start for start, end in merged)
        self.close_us = merged[-1][1]
        self.open_us = merged[0][0]

    # --- conversions --------------------------------------------------------------------
    def _delta(self, value: Any, field: str) -> dt.timedelta:
        """``value - EPOCH``: fails exactly for naive datetimes and non-datetimes."""
        try:
            return value - EPOCH
        except TypeError:
            if isinstance(value, dt.datetime):
                raise invalid(
                    field,
                    "worktime.naive_datetime",
                    gettext("%(field)s has no time zone: give an offset such as +08:00.")
                    % {"field": field},
                ) from None
            raise invalid(
                field,
                "worktime.not_a_datetime",
                gettext("%(field)s must be a date and time.") % {"field": field},
            ) from None

    def _local(self, value: Any, field: str) -> tuple[int, int]:
        """(local day ordinal, microseconds since local midnight) of an aware datetime."""
        delta = self._delta(value, field)
        if delta >= self.fixed_from:
            total = delta.days * 86400 + delta.seconds + self.fixed_offset
            days, seconds = divmod(total, 86400)
            return EPOCH_ORD + days, seconds * US + delta.microseconds
        local = value.astimezone(self.tz)
        tod = ((local.hour * 60 + local.minute) * 60 + local.second) * US + local.microsecond
        return local.toordinal(), tod

    def _index(self, ordinal: int, field: str) -> int:
        k = ordinal - self.base
        if 0 <= k < self.size:
            return k
        raise self._out_of_range(field)

    def _out_of_range(self, field: str) -> InvalidInput:
        return invalid(
            field,
            "worktime.out_of_range",
            gettext("Working time is computed for %(first)s–%(last)s only.")
            % {"first": self.first_year, "last": self.last_year},
        )

    def _at(self, ordinal: int, tod: int) -> dt.datetime:
        day = dt.date.fromordinal(ordinal)
        seconds, micro = divmod(tod, US)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        return dt.datetime(
            day.year, day.month, day.day, hour, minute, second, micro, tzinfo=self.tz
        )

    def _close_of(self, j: int) -> Deadline:
        result = self._day_results[j]
        if result is None:
            result = Deadline(self._at(self.work_ords[j], self.close_us))
            self._day_results[j] = result  # immutable, so shared by every caller
            self._day_results_np[j] = result
            self._day_built[j] = True
        return result

    def _midnight_of(self, i: int) -> dt.datetime:
        midnight = self._midnights[i]
        if midnight is None:
            midnight = self._midnights[i] = self._at(self.work_ords[i], 0)
        return midnight

    def warnings_between(self, first_ord: int, last_ord: int) -> tuple[str, ...]:
        """Warnings for a computation that looked at the days ``first_ord..last_ord``."""
        k = first_ord - self.base
        if 0 <= k < self.size and self.next_unc[k] > last_ord:
            return ()
        first = dt.date.fromordinal(first_ord).year
        last = dt.date.fromordinal(max(first_ord, last_ord)).year
        return tuple(
            uncovered_year_warning(self.code, year)
            for year in range(first, last + 1)
            if year not in self.covered_years
        )

    # --- amounts ------------------------------------------------------------------------
    @staticmethod
    def _days_amount(days: Any) -> int:
        if isinstance(days, bool) or not isinstance(days, numbers.Integral):
            raise invalid(
                "working_days",
                "worktime.invalid_amount",
                gettext("working_days must be a whole number."),
            )
        if days < 0:
            raise invalid(
                "working_days",
                "worktime.negative_amount",
                gettext("working_days must not be negative."),
            )
        return int(days)

    @staticmethod
    def _hours_amount(hours: Any) -> int:
        """Hours as integer microseconds."""
        if isinstance(hours, bool) or not isinstance(hours, numbers.Real | Decimal):
            raise invalid(
                "working_hours",
                "worktime.invalid_amount",
                gettext("working_hours must be a number."),
            )
        if isinstance(hours, numbers.Integral):
            amount = int(hours) * 3600 * US
        elif isinstance(hours, Decimal):
            if not hours.is_finite():
                raise invalid(
                    "working_hours",
                    "worktime.invalid_amount",
                    gettext("working_hours must be a number."),
                )
            amount = int((hours * 3600 * US).to_integral_value())
        else:
            value = float(hours)
            if value != value or value in (float("inf"), float("-inf")):
                raise invalid(
                    "working_hours",
                    "worktime.invalid_amount",
                    gettext("working_hours must be a number."),
                )
            amount = round(value * 3600 * US)
        if amount < 0 or hours < 0:
            raise invalid(
                "working_hours",
                "worktime.negative_amount",
                gettext("working_hours must not be negative."),
            )
        return amount

    # --- office-time axis ---------------------------------------------------------------
    def _coord(self, k: int, tod: int) -> int:
        """Office microseconds elapsed before the instant (day index ``k``, time of day)."""
        if self.flags[k]:
            elapsed = 0
            for start, end in self.periods:
                if tod > start:
                    elapsed += (tod if tod < end else end) - start
            return (self.count_le[k] - 1) * self.day_length + elapsed
        return self.count_le[k] * self.day_length

    # --- public operations --------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` (a calendar date of this calendar) is a working day."""
        if isinstance(day, dt.datetime):
            day = dt.date.fromordinal(self._local(day, "date")[0])
        k = day.toordinal() - self.base
        if 0 <= k < self.size:
            return bool(self.flags[k])
        return day.weekday() < 5

    def _fast_first_index(self) -> int:
        """First day index from which the fixed UTC offset is certain for the whole day.

        Before it (or in zones that still change offset) the hot paths step aside; the margin
        of two days covers any offset the zone had before (never more than ±1 day).
        """
        if self.fixed_from >= _NEVER:
            return self.size
        first_day = EPOCH_ORD + (self.fixed_from.days * 86400 + self.fixed_from.seconds) // 86400
        return max(0, first_day - self.base + 2)

    def _make_add_days(self) -> Callable[[dt.datetime, int], Deadline]:
        size, last_le, limit = self.size, self.last_le, self.limit
        results, close_of, checked = self._day_results, self._close_of, self._add_days_checked
        offset, epoch, first = self.fixed_offset, EPOCH, self._fast_first_index()
        shift = EPOCH_ORD - self.base  # day index of the epoch

        def add_days(start: dt.datetime, days: int) -> Deadline:
            """Close of office hours on the ``days``-th working day after the day of start.

            ``days == 0``: the close of the first working day whose office hours have not closed
            at ``start`` (same-day processing, 即办).
            """
            # Fast path: a positive int, an aware instant in the zone's fixed-offset era, a
            # result inside covered years. Everything else (validation, errors, warnings, DST
            # eras) takes the checked path, which gives the same answers.
            if days.__class__ is int and days > 0:
                try:
                    delta = start - epoch  # TypeError for naive datetimes and non-datetimes
                except TypeError:
                    return checked(start, days)
                k = delta.days + (delta.seconds + offset) // 86400 + shift
                if first <= k < size:
                    j = last_le[k] + days
                    if j < limit[k]:
                        return results[j] or close_of(j)
            return checked(start, days)

        return add_days

    def _days_batch_loop(
        self, requests: Sequence[DeadlineRequest]
    ) -> tuple[list[Deadline | None], list[int]]:
        """:meth:`days_batch` item by item: small batches and batches with unusual items."""
        size, last_le, limit = self.size, self.last_le, self.limit
        results, close_of, code = self._day_results, self._close_of, self.code
        offset, epoch, first = self.fixed_offset, EPOCH, self._fast_first_index()
        shift = EPOCH_ORD - self.base
        out: list[Deadline | None] = []
        append = out.append
        pending: list[int] = []
        for index, request in enumerate(requests):
            days = request.working_days
            if (
                days.__class__ is int
                and days > 0
                and request.working_hours is None
                and request.calendar == code
            ):
                try:
                    delta = request.start - epoch
                except TypeError:
                    append(None)
                    pending.append(index)
                    continue
                k = delta.days + (delta.seconds + offset) // 86400 + shift
                if first <= k < size:
                    j = last_le[k] + days
                    if j < limit[k]:
                        append(results[j] or close_of(j))
                        continue
            append(None)
            pending.append(index)
        return out, pending

    def _make_days_batch(
        self,
    ) -> Callable[[Sequence[DeadlineRequest]], tuple[list[Deadline | None], list[int]]]:
        # imported here, not with the module: every Django process imports this module at
        # start-up, and numpy takes ≈ 0.16 s to import; only processes that compute pay it
        import numpy as np

        size, n_work, code = self.size, len(self.work_ords), self.code
        # the shared per-day results again, for the vectorised gather: an object array, and
        # which of its entries exist yet (both filled by _close_of)
        self._day_results_np = np.full(n_work, None, dtype=object)
        self._day_built = np.zeros(n_work, dtype=bool)
        first = self._fast_first_index()
        shift = EPOCH_ORD - self.base  # day index of the epoch
        # (start - local_epoch).days is the local day number in the fixed-offset era: the same
        # day index as add_days computes from (start - EPOCH) and the offset
        local_epoch = EPOCH - dt.timedelta(seconds=self.fixed_offset)
        last_le = np.array(self.last_le, dtype=np.int64)
        limit = np.array(self.limit, dtype=np.int64)
        results, built, close_of = self._day_results_np, self._day_built, self._close_of
        loop = self._days_batch_loop

        def built_up(j: np.ndarray) -> None:
            """Create the shared results of the working days ``j`` not used before."""
            if not built[j].all():
                for x in np.unique(j[~built[j]]).tolist():
                    close_of(x)

        def days_batch(
            requests: Sequence[DeadlineRequest],
        ) -> tuple[list[Deadline | None], list[int]]:
            """The fast path of :meth:`add_days` over many requests at once, vectorised.

            Returns one entry per request — the deadline, or ``None`` where the request needs
            the careful per-item path (hours, another calendar, errors, warnings, DST eras) —
            and the ascending indexes of those ``None`` entries.
            """
            n = len(requests)
            if n < VECTOR_MIN:
                return loop(requests)
            try:
                # the only per-item Python work: one attribute pass with the eligibility test,
                # one aware-datetime subtraction per item
                days = [
                    r.working_days
                    for r in requests
                    if r.working_hours is None
                    and r.calendar == code
                    and r.working_days.__class__ is int
                ]
                if len(days) != n:  # mixed batch: what is not a plain day request gets 0 (→ None)
                    days = [
                        r.working_days
                        if r.working_hours is None
                        and r.calendar == code
                        and r.working_days.__class__ is int
                        else 0
                        for r in requests
                    ]
                local = [(r.start - local_epoch).days for r in requests]
            except Exception:  # a naive or odd start, an odd item: item by item
                return loop(requests)  # (which accepts or fails each item exactly as before)
            try:
                d = np.fromiter(days, dtype=np.int64, count=n)
            except OverflowError:  # beyond int64: certainly beyond the tables
                d = np.fromiter((x if 0 < x <= n_work else 0 for x in days), np.int64, n)
            k = np.fromiter(local, dtype=np.int64, count=n)
            k += shift  # the day index of each start
            # Common case, checked with four reductions: every item eligible and inside the tables.
            if d.min() > 0 and d.max() <= n_work and k.min() >= first and k.max() < size:
                j = last_le[k]
                j += d  # the index of the resulting working day
                if (j < limit[k]).all():  # and no year without data (nor the tables' end) reached
                    built_up(j)
                    return results[j].tolist(), []
            # Some items go the careful way: the same computation with a mask.
            ok = (k >= first) & (k < size) & (d > 0) & (d <= n_work)
            k = np.where(ok, k, 0)  # keep the gathers in range; these items are not taken anyway
            j = last_le[k] + np.where(ok, d, 0)
            ok &= j < limit[k]
            j = j[ok]
            built_up(j)
            out = np.full(n, None, dtype=object)
            out[ok] = results[j]
            return out.tolist(), np.flatnonzero(~ok).tolist()

        return days_batch

    def _add_days_checked(self, start: Any, days: Any) -> Deadline:
        o, tod = self._local(start, "start")  # raises for naive / non-datetime
        days = self._days_amount(days)
        k = self._index(o, "start")
        if days == 0:
            j = self.count_le[k] - 1 if self.flags[k] and tod <= self.close_us else self.count_le[k]
        else:
            j = self.count_le[k] + days - 1
        if j >= len(self.work_ords):
            raise self._out_of_range("working_days")
        result = self._close_of(j)
        warnings = self.warnings_between(o, self.work_ords[j])
        return Deadline(result.deadline, warnings) if warnings else result

    def _make_add_hours(self) -> Callable[[dt.datetime, Any], Deadline]:
        base, size, flags = self.base, self.size, self.flags
        count_le, work_ords, next_unc = self.count_le, self.work_ords, self.next_unc
        periods, length, n_work = self.periods, self.day_length, len(self.work_ords)
        fixed_from, offset, epoch, epoch_ord = self.fixed_from, self.fixed_offset, EPOCH, EPOCH_ORD
        midnight_of, warnings_between = self._midnight_of, self.warnings_between
        slow_local, hours_amount, timedelta = self._local, self._hours_amount, dt.timedelta
        (first_start, first_end), rest = periods[0], periods[1:]
        first_length = first_end - first_start

        def add_hours(start: dt.datetime, hours: int | float | Decimal) -> Deadline:
            """The instant when ``hours`` of office time have elapsed after ``start``."""
            try:
                delta = start - epoch
            except TypeError:
                delta = None
            if delta is not None and delta >= fixed_from:
                total = delta.days * 86400 + delta.seconds + offset
                o = epoch_ord + total // 86400
                tod = total % 86400 * US + delta.microseconds
            else:
                o, tod = slow_local(start, "start")  # raises for naive / non-datetime
            cls = hours.__class__
            if cls is int and hours > 0:
                amount = hours * 3600 * US
            elif cls is float and 0 < hours < 1e9:
                amount = round(hours * 3600 * US)
            else:
                amount = hours_amount(hours)
            k = o - base
            if k < 0 or k >= size:
                raise self._out_of_range("start")
            # office time elapsed before the start (the next office start when outside hours)
            if flags[k]:
                elapsed = 0
                for p_start, p_end in periods:
                    if tod > p_start:
                        elapsed += (tod if tod < p_end else p_end) - p_start
                coord = (count_le[k] - 1) * length + elapsed
            else:
                coord = count_le[k] * length
            # back from office time to an instant; an amount running out exactly at the end
            # of a period ends there (11:00 + 1 h → 12:00), a zero amount at the next start
            i, rem = divmod(coord + amount, length)
            if amount and not rem:
                i -= 1
                rem = length
            if i >= n_work:
                raise self._out_of_range("working_hours")
            if rem < first_length or (amount and rem == first_length):
                tod = first_start + rem
            else:
                rem -= first_length
                for p_start, p_end in rest:
                    if rem < p_end - p_start or (amount and rem == p_end - p_start):
                        tod = p_start + rem
                        break
                    rem -= p_end - p_start
            end_ord = work_ords[i]
            # positional timedelta: the keyword form costs 3x as much
            deadline = midnight_of(i) + timedelta(0, tod // US, tod % US)
            if next_unc[k] <= end_ord:
                return Deadline(deadline, warnings_between(o, end_ord))
            return Deadline(deadline)

        return add_hours

    def between(
        self,
        start: dt.datetime,
        end: dt.datetime,
        pauses: tuple[tuple[dt.datetime, dt.datetime], ...] | list = (),
    ) -> WorkingTime:
        """Office time from ``start`` to ``end`` minus the (merged) ``pauses`` inside it."""
        start_ord, start_tod = self._local(start, "start")
        end_ord, end_tod = self._local(end, "end")
        if end < start:
            raise invalid(
                "end", "worktime.end_before_start", gettext("end must not be before start.")
            )
        k_start = self._index(start_ord, "start")
        k_end = self._index(end_ord, "end")
        total = self._coord(k_end, end_tod) - self._coord(k_start, start_tod)
        clipped: list[tuple[dt.datetime, dt.datetime]] = []
        for n, pause in enumerate(pauses):
            try:
                pause_start, pause_end = pause
            except (TypeError, ValueError):
                raise invalid(
                    f"pauses.{n}",
                    "worktime.invalid_pause",
                    gettext("A pause is a pair (start, end)."),
                ) from None
            self._delta(pause_start, f"pauses.{n}.start")
            self._delta(pause_end, f"pauses.{n}.end")
            if pause_end < pause_start:
                raise invalid(
                    f"pauses.{n}.end",
                    "worktime.end_before_start",
                    gettext("A pause must not end before it starts."),
                )
            lo, hi = max(pause_start, start), min(pause_end, end)
            if lo < hi:
                clipped.append((lo, hi))
        clipped.sort()
        merged: list[list[dt.datetime]] = []
        for lo, hi in clipped:
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        for lo, hi in merged:
            lo_ord, lo_tod = self._local(lo, "pauses")
            hi_ord, hi_tod = self._local(hi, "pauses")
            total -= self._coord(hi_ord - self.base, hi_tod) - self._coord(
                lo_ord - self.base, lo_tod
            )
        return WorkingTime(total // US, self.warnings_between(start_ord, end_ord))
