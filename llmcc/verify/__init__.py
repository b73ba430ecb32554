"""The verifier: a candidate is rejected unless it is shown to behave like the baseline."""
