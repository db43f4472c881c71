"""``python -m sprintgait``: the ``gait`` command line."""
import sys

from .cli import main

sys.exit(main())
