"""The quote lifecycle of omskit, as a transition table (F4).

A quote is ``open`` until the customer accepts or declines it, the shop
withdraws it, or its ``valid_until`` passes; each of these ends it.
"""

from __future__ import annotations

from typing import Final

from omskit.lifecycle.table import TransitionTable
from omskit.model import QuoteStatus

__all__ = ["QUOTE_LIFECYCLE"]

QS = QuoteStatus

QUOTE_LIFECYCLE: Final[TransitionTable[QuoteStatus]] = TransitionTable.build(
    "quote",
    initial=QS.OPEN,
    rows=[
        (QS.OPEN, "accept", QS.ACCEPTED),
        (QS.OPEN, "decline", QS.DECLINED),
        (QS.OPEN, "withdraw", QS.WITHDRAWN),
        (QS.OPEN, "expire", QS.EXPIRED),
    ],
    terminal=[QS.ACCEPTED, QS.DECLINED, QS.EXPIRED, QS.WITHDRAWN],
)
"""The quote lifecycle (F4): open, then accepted (an order is placed), declined, withdrawn or
expired."""
