"""The model's single unit of time is the day; these are its only calendar constants.

Parameters are converted to days once, where they are loaded (`sim.params.UNITS`); code that
still needs a calendar length (ageing, the season, annual totals, monthly charts) takes it
from here, so a year is the same length everywhere (Starsim's commonest bug class was mixed
time units).
"""

DAYS_PER_YEAR = 365.25  # the Julian year: leap years averaged in
DAYS_PER_WEEK = 7.0
HOURS_PER_DAY = 24.0
WEEKS_PER_YEAR = DAYS_PER_YEAR / DAYS_PER_WEEK
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
