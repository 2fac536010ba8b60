"""Office hours: when a person is there to read a safeguarding alert, in local time.

    hours = OfficeHours.parse("Mon-Fri 09:00-17:00", zone="Europe/London", bank_holidays="ENG")
    hours.is_open(at)            # a person is at work now
    hours.add_minutes(at, 15)    # 15 minutes of office time after `at` (escalation is due)
    hours.when_read(at)          # "today, before 5pm" / "on Monday after 9am": said to the child

Bank holidays come from the `holidays` package (UK subdivisions ENG, WLS, SCT, NIR), so
no list needs keeping up to date by hand. Times given and returned are timezone-aware.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from babel.dates import format_date

from surveys.i18n import DEFAULT_LANGUAGE, N_, gettext_for

__all__ = ["DEFAULT_OFFICE_TIMES", "OfficeHours", "OfficeHoursError"]

DEFAULT_OFFICE_TIMES = "Mon-Fri 09:00-17:00"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BANK_HOLIDAY_AREAS = ("ENG", "WLS", "SCT", "NIR")
_LOOK_AHEAD_DAYS = 400  # a year of bank holidays and weekends, with room to spare
_SPEC = re.compile(
    r"^\s*(?P<days>[a-z,\- ]+?)\s+(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})\s*$"
)


class OfficeHoursError(ValueError):
    """An office-hours setting that cannot be read; the message says what is expected."""


@dataclass(frozen=True)
class OfficeHours:
    """Working days and hours in one time zone, closed on the area's bank holidays."""

    days: frozenset[int]  # 0 = Monday
    opens: time
    closes: time
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    bank_holidays: str | None = "ENG"

    @classmethod
    def parse(
        cls,
        spec: str = DEFAULT_OFFICE_TIMES,
        *,
        zone: str = "Europe/London",
        bank_holidays: str | None = "ENG",
    ) -> OfficeHours:
        """Read "Mon-Fri 09:00-17:00" (days as ranges or lists: "Mon,Wed,Fri", "Mon-Sun")."""
        match = _SPEC.match(spec.casefold())
        if match is None:
            raise OfficeHoursError(
                f"office hours {spec!r}: expected days and times like 'Mon-Fri 09:00-17:00'"
            )
        days: set[int] = set()
        for part in match["days"].replace(" ", "").split(","):
            first, _, last = part.partition("-")
            if first[:3] not in DAYS or (last and last[:3] not in DAYS):
                raise OfficeHoursError(f"office hours {spec!r}: unknown day in {part!r}")
            start, end = DAYS.index(first[:3]), DAYS.index((last or first)[:3])
            wrapped = [*range(start, 7), *range(end + 1)]  # "Sat-Mon"
            days.update(range(start, end + 1) if start <= end else wrapped)
        opens, closes = _time(match["open"], spec), _time(match["close"], spec)
        if closes <= opens:
            raise OfficeHoursError(f"office hours {spec!r}: closing must come after opening")
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise OfficeHoursError(f"unknown time zone {zone!r}") from None
        area = (bank_holidays or "").strip().upper() or None
        if area in ("NONE", "NO"):
            area = None
        if area is not None and area not in BANK_HOLIDAY_AREAS:
            raise OfficeHoursError(
                f"bank holidays {bank_holidays!r}: use one of {', '.join(BANK_HOLIDAY_AREAS)} "
                "or none"
            )
        return cls(frozenset(days), opens, closes, tz, area)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase | None:
        if self.bank_holidays is None:
            return None
        return holidays.country_holidays("GB", subdiv=self.bank_holidays)

    def is_working_day(self, day: date) -> bool:
        """Open at some time on `day` (a weekday it works, not a bank holiday)."""
        return day.weekday() in self.days and (self._holidays is None or day not in self._holidays)

    def _span(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.opens, tzinfo=self.zone),
            datetime.combine(day, self.closes, tzinfo=self.zone),
        )

    def is_open(self, at: datetime) -> bool:
        """Whether `at` falls within office hours."""
        local = at.astimezone(self.zone)
        opens, closes = self._span(local.date())
        return self.is_working_day(local.date()) and opens <= local < closes

    def next_open(self, at: datetime) -> datetime:
        """`at` itself if the office is open then, else the next opening time."""
        local = at.astimezone(self.zone)
        for ahead in range(_LOOK_AHEAD_DAYS):
            day = local.date() + timedelta(days=ahead)
            if not self.is_working_day(day):
                continue
            opens, closes = self._span(day)
            if local < closes:
                return max(local, opens)
        raise OfficeHoursError("the office never opens in the next year")  # pragma: no cover

    def add_minutes(self, at: datetime, minutes: float) -> datetime:
        """The moment when `minutes` of office time have passed since `at`."""
        left = timedelta(minutes=minutes)
        moment = self.next_open(at)
        for _ in range(_LOOK_AHEAD_DAYS):
            _, closes = self._span(moment.date())
            if moment + left <= closes:
                return moment + left
            left -= closes - moment
            moment = self.next_open(closes)
        raise OfficeHoursError("too many minutes to count in office hours")  # pragma: no cover

    def when_read(self, at: datetime, language: str | None = None) -> str:
        """Completes "A participation officer will read this ...", honestly, for `at`, in
        `language` (English by default)."""
        _ = gettext_for(language)
        english = not language or language == DEFAULT_LANGUAGE
        local = at.astimezone(self.zone)
        opening = self.next_open(local)
        if opening == local:
            _opens, closes = self._span(local.date())
            return _("today, before {time}").format(
                time=_clock(closes.time(), language)
            )
        at_time = _clock(opening.time(), language)
        days = (opening.date() - local.date()).days
        if days == 0:
            return _("today after {time}").format(time=at_time)
        if days == 1:
            return _("tomorrow after {time}").format(time=at_time)
        on_day = _(ON_DAY[opening.weekday()])
        if days >= 7:
            locale = "en_GB" if english else language
            on_day = f"{on_day} {format_date(opening.date(), 'd MMMM', locale=locale)}"
        return _("{on_day} after {time}").format(on_day=on_day, time=at_time)


ON_DAY = (
    N_("on Monday"),
    N_("on Tuesday"),
    N_("on Wednesday"),
    N_("on Thursday"),
    N_("on Friday"),
    N_("on Saturday"),
    N_("on Sunday"),
)


def _time(text: str, spec: str) -> time:
    hours, minutes = (int(n) for n in text.split(":"))
    if hours > 23 or minutes > 59:
        raise OfficeHoursError(f"office hours {spec!r}: {text} is not a time of day")
    return time(hours, minutes)


def _clock(at: time, language: str | None = None) -> str:
    """9am, 5:30pm, 12pm (English); 09:00, 17:30 otherwise."""
    if language and language != DEFAULT_LANGUAGE:
        return f"{at.hour:02d}:{at.minute:02d}"
    suffix = "am" if at.hour < 12 else "pm"
    hour = at.hour % 12 or 12
    return f"{hour}{suffix}" if at.minute == 0 else f"{hour}:{at.minute:02d}{suffix}"
