"""The sample data pack of ``reserva sample``: a deterministic, realistic five-product programme."""

from .generate import SampleSummary, write_sample

__all__ = ["SampleSummary", "write_sample"]
