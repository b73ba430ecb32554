"""Lark grammar files for the assembly model (shipped as package data)."""
