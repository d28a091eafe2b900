"""Domain core: question bank, rubric, knowledge, scoring, delivery, reports and progress.

Nothing here touches audio devices, models, networks or terminals, and nothing here
imports from outside the standard library and the core itself (``tests/test_layers.py``
checks it). A round puts the core to work through the contracts in
:mod:`voicemock.round.ports`.
"""
