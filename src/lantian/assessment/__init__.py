"""Assessment: HJ 663 period statistics over the store and the composite-index rankings.

:mod:`lantian.assessment.statistics` computes the period statistics of many stations and areas at
once (vectorized, equal to the scalar reference :mod:`lantian.standards.period`);
:mod:`lantian.assessment.ranking` ranks counties or cities by the composite index
(:mod:`lantian.standards.ranking`).
"""
