"""Data governance: quality checks (`quality`), lineage manifests (`lineage`) and their
diffs (`diff`). Importing this package is cheap: pandas, pyarrow and pandera are
imported inside the functions that use them.
"""

from mlci.data.diff import (
    DataDiff,
    FileChange,
    ManifestDiff,
    RowDiff,
    diff_data_files,
    diff_manifests,
)
from mlci.data.lineage import (
    ColumnType,
    FileRecord,
    Manifest,
    build_manifest,
    manifest_from_dict,
    manifest_to_dict,
    read_manifest,
    sha256_file,
    write_manifest,
)
from mlci.data.quality import CheckFailure, DataCheckResult, QualityReport, check_data, run_checks

__all__ = [
    "CheckFailure",
    "ColumnType",
    "DataCheckResult",
    "DataDiff",
    "FileChange",
    "FileRecord",
    "Manifest",
    "ManifestDiff",
    "QualityReport",
    "RowDiff",
    "build_manifest",
    "check_data",
    "diff_data_files",
    "diff_manifests",
    "manifest_from_dict",
    "manifest_to_dict",
    "read_manifest",
    "run_checks",
    "sha256_file",
    "write_manifest",
]
