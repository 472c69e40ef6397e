"""秸秆焚烧火点 — the straw-burning fire-point room (行动计划 任务15; docs/standards.md §6.3).

Satellite fire points (NASA FIRMS MODIS/VIIRS) and manual, video and drone reports are imported,
kept when inside the city, assigned to their county, merged when they are the same fire, and
dispatched to the county as cases to verify by a deadline; statistics per county and season, per
1 000 ha of farmland, the four key time slots of task 15 and the straw utilisation rate (≥ 90 %).
"""
