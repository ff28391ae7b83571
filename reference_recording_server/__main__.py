"""``python -m reference_recording_server``."""

import sys

from reference_recording_server.cli import main

sys.exit(main())
