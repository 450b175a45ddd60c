"""Calibration data shipped with ipc-sim: the public targets (and, later, priors and the
posterior). Installed as the package-data folder `sim.calibration`; this file holds no code."""
