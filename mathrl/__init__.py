"""mathrl: Gymnasium environments for mathematical search, and agents that learn to search them.

Importing the package registers every environment under the ``mathrl/`` namespace.
"""

from mathrl.envs.graphs.scores.plugin import batched
from mathrl.envs.registration import register_all

__version__ = "0.1.0"

register_all()

__all__ = ["batched", "__version__"]
