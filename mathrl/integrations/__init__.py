"""Bridges to other RL libraries. Each submodule imports its library on import, so it needs that extra
(``mathrl.integrations.sb3`` needs ``pip install 'mathrl[sb3]'``); nothing here is loaded by ``import mathrl``."""
