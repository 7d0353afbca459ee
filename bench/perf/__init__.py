"""Pieces of bench/performance.py: the generated site, nginx, and the measured runs."""
