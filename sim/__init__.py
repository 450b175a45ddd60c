"""ipc-sim: agent-based whole-system simulation of Integrated Personal Commissioning."""

__version__ = "0.1.0"
