"""PPO with action masks and set-structured policies (CleanRL-style; see ppo.py)."""

from mathrl.agents.ppo.agent import PPOAgent, evaluate, load_agent, save_agent
from mathrl.agents.ppo.config import PRESETS, PPOConfig, make_config
from mathrl.agents.ppo.ppo import PPOTrainer, train

__all__ = ["PPOAgent", "PPOConfig", "PPOTrainer", "PRESETS", "evaluate", "load_agent", "make_config", "save_agent",
           "train"]
