"""Bounds on what a scenario may ask for, shared by the scenario schema and the levers' settings."""

MIN_POPULATION = 1_000
MAX_POPULATION = 1_000_000
MAX_HORIZON_DAYS = 20 * 366
MAX_WARM_UP_DAYS = 5 * 366  # run before day 0 and not reported
MAX_STAFF = 100_000  # whole-time equivalents or groups of one lever
MAX_TARGET = 10_000_000  # commissioned plans or budgets
MAX_CONDITIONS = 30
MAX_NAME = 64  # characters: a scenario's name names files and task keys
MAX_DESCRIPTION = 10_000  # characters
MAX_EXTENDS = 50  # files in one extends chain
MAX_REPLICATES = 10_000
MAX_WORKERS = 256
MAX_SEED = 2**63 - 1
MAX_GRID_POINTS = 200  # scenarios a run's grids expand into: past this a planner wants `ipc-sim sensitivity`
