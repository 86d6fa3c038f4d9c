"""escalera: ladders of quality standards for networks of small producers."""

from escalera.domain.sampling import SamplingPlan, sampling_plan  # light: tables and rules

__version__ = "0.1.0"
__all__ = ["SamplingPlan", "__version__", "sampling_plan"]
