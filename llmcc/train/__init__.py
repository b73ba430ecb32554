"""Training a language model on llmcc's reward (extra ``train``): PPO (llmcc's own), GRPO
(through TRL), RRHF and SFT, with the rollouts, checkpoints and logs they share.

Nothing here is imported on the compile path; torch and transformers are imported inside the
functions that need them, so ``import llmcc.train.config`` stays cheap.
"""
