"""The time-series side: readers, the engine and the standards' computations over whole tables."""
