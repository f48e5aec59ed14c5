"""The omskit test kit: tools for testing code that uses omskit.

- :mod:`omskit.testing.strategies`: Hypothesis strategies that build valid
  model objects, money, points and domain events through the real
  constructors.
- :mod:`omskit.testing.routing`: stock networks and orders for routing, and
  the contract suite a routing strategy author subclasses.

The kit needs the optional ``testing`` extra (``pip install omskit[testing]``)
for Hypothesis; importing this package alone imports nothing heavy.
"""

__all__: list[str] = []
