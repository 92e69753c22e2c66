"""Schoolbrug: a Telegram assistant for parents of pupils in Flemish schools."""
__version__ = "0.1.0"
