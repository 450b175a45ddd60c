"""Imported only by the fork server that local workers are forked from (`sim.batch`).

Loading the model here means every worker starts with numpy, pandas, SciPy, Mesa, SimPy and
the model already imported. The server also asks the kernel to end it when the main process
ends, by any signal: its workers, which end with it, are then never left behind.
"""

from sim.batch import die_with_parent

die_with_parent()
