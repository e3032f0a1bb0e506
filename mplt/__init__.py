"""mplt: reproduce MultiPL-T (Cassano et al., OOPSLA 2024) on one GPU."""
__version__ = "0.1.0"
