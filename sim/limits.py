"""Bounds on what a scenario may ask for, shared by the scenario schema and the levers' settings."""

MIN_POPULATION = 1_000
MAX_POPULATION = 1_000_000
MAX_HORIZON_DAYS = 20 * 366
MAX_STAFF = 100_000  # whole-time equivalents or groups of one lever
MAX_TARGET = 10_000_000  # commissioned plans or budgets
MAX_CONDITIONS = 30
