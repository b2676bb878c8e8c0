"""ICG Desk: the scoring workstation for the ICG Coaching Certification."""

__version__ = "0.1.0"
