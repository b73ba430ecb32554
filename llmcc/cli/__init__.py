"""The command line: llmcc's own subcommands, and the compiler entry point."""
