"""The per-project cache: function decisions with their evidence, and whole objects for
warm rebuilds (``store`` on disk, ``keys``, ``project``, ``decisions``, ``objects``)."""
