"""The omskit test kit: tools for testing code that uses omskit.

- :mod:`omskit.testing.strategies`: Hypothesis strategies that build valid
  model objects, money, points and domain events through the real
  constructors.
- :mod:`omskit.testing.routing`: stock networks and orders for routing, and
  the contract suite a routing strategy author subclasses.
- :mod:`omskit.testing.contracts`: contract suites for stores, one per
  port, that a store author subclasses (omskit runs them on its own stores).

The kit needs the optional ``testing`` extra (``pip install omskit[testing]``)
for Hypothesis (and pytest, for the contract suites); importing this package
alone imports nothing heavy.
"""

__all__: list[str] = []
