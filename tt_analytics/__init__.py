"""tt_analytics: TikTok Shop and Douyin shop rules computed from your own bulk exports."""
from .evaluate import Results, evaluate

__all__ = ["evaluate", "Results"]
__version__ = "0.1.0"
