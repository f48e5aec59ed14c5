"""Adapters: implementations of the ports in :mod:`omskit.ports`.

:mod:`omskit.adapters.memory` is the reference implementation of every port;
:mod:`omskit.adapters.sqlite` keeps the store's state in a SQLite file.
"""
