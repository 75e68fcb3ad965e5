"""Nested Monte Carlo search (Cazenave 2009) for word-construction problems."""

from .nmcs import NestedMonteCarlo, NMCSConfig

__all__ = ["NMCSConfig", "NestedMonteCarlo"]
