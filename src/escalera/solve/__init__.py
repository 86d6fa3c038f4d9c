"""Optimisation back ends: a thin MIP wrapper over HiGHS and the models built on it.

Pure functions over numpy arrays; no database, no command line.
"""

from escalera.solve.gap import GapError, GapInstance, GapResult, solve_gap
from escalera.solve.greedy import greedy_assignment
from escalera.solve.mip import LinearModel, MipResult, MipStatus, SolverError, solve_mip
from escalera.solve.orlib import GapFormatError, format_gap, parse_gap, read_gap

__all__ = [
    "GapError",
    "GapFormatError",
    "GapInstance",
    "GapResult",
    "LinearModel",
    "MipResult",
    "MipStatus",
    "SolverError",
    "format_gap",
    "greedy_assignment",
    "parse_gap",
    "read_gap",
    "solve_gap",
    "solve_mip",
]
