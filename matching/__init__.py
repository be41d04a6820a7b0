"""Pure matching of volunteers, needs and organisations (no I/O, no chat or storage imports).

``matching.scoring`` is the readable reference; ``matching.index`` is the numpy
implementation the bot uses at scale and returns exactly the same rankings.
"""
