"""Board games (spec games.md): pure cores, solvers, opponents and the Gymnasium adapter."""
