"""Asking a reader for a column the file lacks names the file and the columns it has."""

import pandas as pd
import pytest

from mlci.errors import InputError
from mlci.tables import read_table


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_missing_columns_are_named_with_the_file(tmp_path, suffix):
    path = tmp_path / f"predictions{suffix}"
    frame = pd.DataFrame({"label": [1, 0], "gender": ["f", "m"]})
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    with pytest.raises(InputError) as caught:
        read_table(path, columns=["label", "prediction", "score"])
    assert caught.value.one_line() == (
        f"{path}: no column 'prediction', 'score' (it has: label, gender). "
        "Fix: check the column names in mlci.yaml or on the command line"
    )
    assert list(read_table(path, columns=["gender"]).columns) == ["gender"]
