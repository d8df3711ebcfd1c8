"""Opening hours, public holidays and the time zone of the helpdesks: pure, no clock is read."""

from schedules.describe import MONTH_NAMES_NL, describe_hours_nl
from schedules.hours import HOLIDAYS, TimeRange, WeeklyHours, parse_day_hours, parse_day_key
from schedules.public_holidays import HolidayCalendar
from schedules.schedule import DayPlan, Schedule

__all__ = [
    "HOLIDAYS",
    "MONTH_NAMES_NL",
    "DayPlan",
    "HolidayCalendar",
    "Schedule",
    "TimeRange",
    "WeeklyHours",
    "describe_hours_nl",
    "parse_day_hours",
    "parse_day_key",
]
