"""Pictures of env states for Gymnasium's ``rgb_array`` render mode, drawn with numpy alone.

``rgb_array`` is the mode video recorders (``gymnasium.wrappers.RecordVideo``) ask for, and the one
Stable-Baselines3's ``make_vec_env`` passes to every env it builds, so an env without it cannot be used
there. Every mathrl state is a grid of small integers (a board, an adjacency or 0-1 matrix, a table of
candidate counts, the exponent rows of an S-pair queue), so two helpers cover them all: one colours
categorical cells, one shades numbers.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CELL_COLOURS", "cells_to_rgb", "shades_to_rgb"]

# empty / undecided, first player or a decided 1, second player, a decided 0, grid lines
CELL_COLOURS = np.array([[205, 205, 205], [25, 25, 25], [200, 45, 45], [250, 250, 250], [160, 160, 160]],
                        dtype=np.uint8)
GRID = 4


def _cell_px(shape: tuple[int, int], target: int = 256) -> int:
    return int(np.clip(target // max(shape), 2, 32))


def _enlarge(rgb: np.ndarray, px: int) -> np.ndarray:
    """Each cell becomes a ``px`` x ``px`` block, with a one-pixel grid line when blocks are large."""
    out = np.repeat(np.repeat(rgb, px, axis=0), px, axis=1)
    if px >= 6:
        out[::px, :] = CELL_COLOURS[GRID]
        out[:, ::px] = CELL_COLOURS[GRID]
    return np.ascontiguousarray(out)


def cells_to_rgb(cells: np.ndarray, px: int | None = None) -> np.ndarray:
    """(H, W) ints indexing :data:`CELL_COLOURS` -> (H·px, W·px, 3) uint8."""
    cells = np.asarray(cells, dtype=np.intp)
    if cells.ndim != 2 or cells.size == 0:
        raise ValueError(f"cells must be a non-empty 2-D array, got shape {cells.shape}")
    return _enlarge(CELL_COLOURS[cells], px or _cell_px(cells.shape))


def shades_to_rgb(values: np.ndarray, high: float | None = None, px: int | None = None) -> np.ndarray:
    """(H, W) non-negative numbers -> grey levels (0 white, ``high`` or the maximum black), (H·px, W·px, 3)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.size == 0:
        raise ValueError(f"values must be a non-empty 2-D array, got shape {values.shape}")
    top = float(high if high is not None else values.max())
    level = 255 - np.round(255 * np.clip(values / top, 0, 1)) if top > 0 else np.full(values.shape, 255.0)
    grey = level.astype(np.uint8)
    return _enlarge(np.stack([grey, grey, grey], axis=-1), px or _cell_px(values.shape))
