"""Fetch the current production data for the drift check.

In a real project this queries your warehouse or feature store. Here it regenerates
the example's shifted sample, so the scheduled drift check has something to compare.
"""

import subprocess
import sys

subprocess.run([sys.executable, "prepare_data.py", "--only-current"], check=True)
