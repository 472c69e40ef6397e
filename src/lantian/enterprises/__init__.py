"""Enterprise and facility ledgers (台账), performance grading (绩效分级) and the plan's rule checks."""
