"""The read-only stores of the query threads (``govcat.api.query_jobs.ReadOnlyStore``): a commit by
another writer, or a new directory behind the store's name, is seen by the next query; nothing else
reopens the store. With the inotify hint (Linux) and with the directory listing alone."""

from __future__ import annotations

import os
import sys

import pyoxigraph as ox
import pytest

from govcat.api.query_jobs import ReadOnlyStore

EX = "http://example.org/"


def quad(i: int) -> ox.Quad:
    return ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i)), ox.NamedNode(f"{EX}g"))


@pytest.mark.parametrize("hint", [True, False], ids=["inotify", "listing"])
def test_commits_and_switched_directories_are_seen(tmp_path, hint):
    first = tmp_path / "v1"
    writer = ox.Store(str(first))
    writer.add(quad(1))
    writer.flush()
    name = tmp_path / "public"
    name.symlink_to(first)

    ro = ReadOnlyStore(name)
    if hint:
        if not sys.platform.startswith("linux"):
            pytest.skip("inotify is Linux's")
        assert ro._watch is not None
    else:
        ro._watch = None
    store = ro.get()
    assert len(store) == 1
    assert ro.get() is store  # nothing changed: not reopened

    writer.add(quad(2))  # a commit by another writer (appends to the write-ahead log)
    store = ro.get()
    assert len(store) == 2
    assert ro.get() is store

    second = tmp_path / "v2"  # a refresh: a new directory, then the name switched to it
    other = ox.Store(str(second))
    other.extend([quad(i) for i in range(10, 13)])
    other.flush()
    switch = tmp_path / "public.tmp"
    switch.symlink_to(second)
    os.replace(switch, name)
    assert len(ro.get()) == 3

    other.add(quad(13))  # the new directory is the one watched now
    assert len(ro.get()) == 4
    writer.add(quad(3))  # the old one no longer matters
    assert len(ro.get()) == 4
