"""lantian (蓝天) — a city's air-quality action plan made executable."""
__version__ = "0.1.0"
