"""ConflictMap: armed conflict and organised crime in Colombia on maps."""

__version__ = "0.1.0"
