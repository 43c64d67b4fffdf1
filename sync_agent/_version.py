"""The package version, in a module of its own.

setuptools reads it from here without importing the package (whose imports
need the dependencies), and modules that send it (the portal client's
User-Agent, ``--version``) import it without importing the package root.
"""

__version__ = "0.1.0"
