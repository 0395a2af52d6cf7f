"""Tracking backends: where a run record is mirrored besides `.mlci/runs/`.

MLflow (`mlci.tracking.mlflow`) is the one backend; it is optional (`pip install
'mlci[mlflow]'`) and used only when `tracking.mlflow.uri` is set. Nothing here is
imported by `mlci --help`: the MLflow client is imported inside the functions.
"""
