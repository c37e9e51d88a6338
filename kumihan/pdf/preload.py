"""Loaded by the server process that parallel builds fork their workers from (:func:`.parallel.workers`):
WeasyPrint and the layout engine, once, so that no worker loads them again."""

from . import build

build._load_engine()
