"""live — the loop that runs by itself (docs/architecture.md "Layers"): the HJ 212—2017 receiver, drop folders,
the scheduler and notifications. Everything here writes through the same importers and services a
person uses; nothing stores data a command or a page could not.

- :mod:`.hj212` the protocol, pure (framing, CRC, the data region, answers) — HJ 212—2017 §6;
- :mod:`.journal` the append-only, fsynced journal every received packet is written to first;
- :mod:`.receiver` the asyncio TCP server; :mod:`.builder` the store built from the journal;
- :mod:`.devices` the devices (数采仪) and the quarantine; :mod:`.series` the real-time and minute series;
- :mod:`.watch` drop folders; :mod:`.scheduler` and :mod:`.jobs` the jobs by the clock;
- :mod:`.notify` inbox, e-mail and group-robot webhooks.
"""
