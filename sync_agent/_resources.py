"""Where the agent's packaged data lives: the standard mappings and schemas.

Kept apart from the mapping code because the outbox contract (a schema
among the mappings) needs the same folder, and neither should import the
other to find it.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Final

from .errors import MappingFileError

__all__ = ["PACKAGED_DIR", "packaged_mappings_dir"]

#: Folder of the standard mappings inside the installed package.
PACKAGED_DIR: Final = "_mappings"


def packaged_mappings_dir() -> Path:
    """The standard mappings and their schemas, as shipped with the agent.

    In a wheel they are package data, ``sync_agent/_mappings`` (pyproject.toml
    builds the repository's ``mappings/`` in under that name), found with
    :mod:`importlib.resources` so that no install prefix is guessed. In a
    source checkout or an editable install that folder does not exist, and the
    repository's ``mappings/`` beside the package is the same content. The
    agent needs a real directory (an XSD includes its neighbours by relative
    path), which every unpacked install provides; a zipped one does not.
    """
    packaged = importlib.resources.files("sync_agent").joinpath(PACKAGED_DIR)
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "mappings"
    if checkout.is_dir():
        return checkout
    raise MappingFileError(
        [
            f"the standard mappings are not installed ({packaged} is not a directory): reinstall the "
            "agent from its wheel, or set agent.mappings_dir with agent.packaged_mappings = false"
        ]
    )
