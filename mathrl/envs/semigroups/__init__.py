"""Semigroup proof-cut choice (Simpson 2021): classify semigroups by proof trees of cuts.

Layers: ``problem`` (the pure node/problem interface), ``graded`` (Simpson's
graded 4-nilpotent family), ``generic`` (all and nilpotent semigroups of order
n, canonical forms, enumeration), ``orders``/``policies`` (cut policies and the
exact minimum solver), ``proof`` (run and count a proof) and ``env`` (Gymnasium).
"""
