"""sprintgait: the application layer of the sprint gait toolkit, the ``gait`` command line.

It sits above the libraries it drives and is imported by none of them: ``gaitcore``
(signals, file readers, the analysis), ``calibration`` and ``firmware_bridge`` (pods,
their protocol, recorder and live display).
"""
