"""Neur2RO for the two-stage robust knapsack: a learned second-stage value ``V(x, ξ)``.

* ``network``: the set-based ReLU value network and the per-item features it reads;
* ``data``: (instance, x, ξ) samples from the benchmark's generator rules, labelled with the
  exact second-stage optimum ``Q(x, ξ)`` (MathOpt/SCIP through ``RobustKnapsack``);
* ``train``: the seeded training script that writes ``learned/checkpoints/neur2ro_rkp.pt``;
* ``embed``: the trained network as MILP constraints (big-M from interval bounds) in MathOpt.
"""
