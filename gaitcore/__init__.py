"""gaitcore: the signal pipeline of the sprint gait toolkit.

Foot-mounted IMU recordings in, per-step gait events and metrics out.
"""
__version__ = "0.1.0"
