import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # tests/golden.py and friends

from report_run import report_run  # noqa: E402,F401  (one notebook report per session, shared by test modules)
