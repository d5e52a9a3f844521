"""Reserva: actuarial reserving and projection engine (import name ``engine``)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reserva")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
