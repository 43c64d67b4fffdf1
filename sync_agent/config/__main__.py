"""``python -m sync_agent.config``: print the settings table of the README."""

import sys

from .loader import settings_markdown

sys.stdout.write(settings_markdown())
