"""Board games (docs/games.md): pure cores, solvers, opponents and the Gymnasium adapter."""
