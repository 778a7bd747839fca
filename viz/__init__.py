"""Pictures shared by adders and RNNs (matplotlib; every function returns a Figure)."""
from .measures import measure_architectures, plot_architecture_trends

__all__ = ["measure_architectures", "plot_architecture_trends"]
