"""The compile path: classify a compiler command line, then pass it through or build it."""
