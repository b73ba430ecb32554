"""`python -m llmcc` is the same as the `llmcc` command."""

from llmcc.cli.main import main

raise SystemExit(main())
