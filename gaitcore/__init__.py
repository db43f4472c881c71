"""gaitcore: the signal pipeline of the sprint gait toolkit.

Foot-mounted IMU recordings in, per-step gait events and metrics out::

    import gaitcore
    rec = gaitcore.read("recordings/sprint_session.podses")
    analysis = gaitcore.analyze(rec)
    analysis.steps[0].contact_s

The names below are loaded when first used, so ``import gaitcore`` compiles and
imports nothing heavy.
"""
__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "read": "readers",
    "analyze": "analysis",
    "Recording": "signals", "SensorRecording": "signals", "Placement": "signals", "Side": "signals",
    "Segment": "signals", "SessionInfo": "signals", "TimeOrigin": "signals",
    "Analysis": "results", "Step": "results", "Contact": "results", "SensorInfo": "results", "Summary": "results",
    "FootSummary": "results", "StepStats": "results", "Stats": "results",
    "Rep": "reps", "reps_of": "reps", "Baseline": "baseline", "read_baseline": "baseline",
    "Pipeline": "pipeline", "PodSpec": "pipeline",
    "Params": "params", "EventParams": "params", "StepParams": "params", "InsParams": "params",
    "GaitError": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gaitcore' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
