"""The analysis room (分析室): the views air-quality analysts use everywhere (openair's calendar plot,
time variation, trend level, Theil–Sen trend, polar plots), computed on the measurement store.

Pure computations live in small modules (:mod:`.stats`, :mod:`.trend`, :mod:`.variation`,
:mod:`.calendar`, :mod:`.exceedance`, :mod:`.compare`, :mod:`.wind`); :mod:`.service` reads the
store through the caller's scope; :mod:`.cli` and :mod:`.routes` only present.
"""
