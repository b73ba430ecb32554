"""Task datasets for training and evaluation: tasks.jsonl records (``records``), function
tasks built from C sources (``build``), program tasks imported from the research benchmark
(``importer``), and judging one candidate for one task (``judge``, ``programs``)."""
