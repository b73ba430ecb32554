"""`llmcc eval`: sample answers from a model (or the variants proposer) for every task, judge
and time each one with the reward's judge, and measure the model the way the research does,
and the honest way (``samplers``, ``metrics``, ``run``)."""
