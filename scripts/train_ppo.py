"""PPO from Python, to copy and edit: train a pair-scoring agent on Buchberger S-pair selection, then
compare it with Degree on fresh ideals. Run: python scripts/train_ppo.py  (about 2 minutes on 2 cores)

Swap the preset for "cartpole", "semigroups" or "connect4", or build a config for your own env with
make_config("your/Env-v0", ...); ``--resume``-style continuation is PPOTrainer(config, OUT, resume=True).
"""

from mathrl.agents.ppo import PPOTrainer, load_agent, make_config
from mathrl.benchmarks.buchberger import format_table, run

OUT = "runs/train_ppo_example"


def main() -> None:
    # any PPOConfig field can be changed here; env_kwargs are merged over the preset's
    config = make_config(preset="buchberger", total_steps=150_000, eval_every=0, eval_episodes=100,
                         env_kwargs={"ideal_dist": "3-20-10-weighted"})
    summary = PPOTrainer(config, OUT).run(progress=True)
    print(f"{summary['global_step']} steps in {summary['train_seconds']:.0f} s; eval_return={summary['eval_return']:.2f}")
    agent = load_agent(OUT)  # the saved agent.pt, as any user would load it
    print(agent)
    result, _ = run("3-20-10-weighted", 1000, seed=12345, strategies=["degree", f"agent:{OUT}"], progress=True)
    print(format_table(result))


if __name__ == "__main__":
    main()
