"""`train.runner`: self-hosted GPU runners only when the project needs a GPU.

A GPU is needed when the training code moves work to one (the training detector's
`train.runner.gpu` guess), when a GPU framework (torch, jax, tensorflow) is a
dependency and some code of the project uses CUDA or a GPU device, or when the user
says so (`mlci init --gpu`). Everything else, every CPU scikit-learn project, trains
on GitHub-hosted runners, with a note saying how to switch.
"""

from __future__ import annotations

import re
from pathlib import Path

from mlci.detect.evidence import Detection, Guess, Note
from mlci.detect.files import find_mention

GPU_LABELS = ["self-hosted", "linux", "x64", "gpu"]
HOSTED_LABELS = ["ubuntu-latest"]
GPU_FRAMEWORKS = ("torch", "jax", "jaxlib", "tensorflow", "tensorflow-gpu", "tf-nightly")
# Lines of code that put work on a GPU (the frameworks' own spellings).
_GPU_USE = re.compile(
    r"""\.cuda\(|["']cuda(:\d+)?["']|torch\.cuda\.|device\s*=\s*["']gpu["']"""
    r"""|list_physical_devices\(\s*["']GPU["']|jax\.devices\(\s*["']gpu["']"""
    r"""|accelerator\s*=\s*["'](gpu|cuda|auto)["']|tf\.device\(\s*["']/?(device:)?GPU"""
)
SWITCH_TO_GPU = (
    "to train on a GPU, set train.runner: [self-hosted, linux, x64, gpu] (or rerun "
    "`mlci init --gpu` on a repository without mlci.yaml), then `mlci generate`"
)


def detect_runner(
    root: Path,
    files: tuple[str, ...],
    dependencies: frozenset[str],
    training_gpu: Guess | None = None,
    *,
    gpu: bool = False,
) -> Detection:
    """The training runner labels and why; a note on how to switch when GitHub-hosted."""
    if gpu:
        return Detection((Guess("train.runner", GPU_LABELS, "asked for with --gpu"),))
    if training_gpu is not None and training_gpu.value is True:
        return Detection((Guess("train.runner", GPU_LABELS, training_gpu.evidence),))
    frameworks = sorted(name for name in dependencies if name in GPU_FRAMEWORKS)
    if frameworks:
        use = find_mention(root, files, _GPU_USE)
        if use is not None:
            return Detection(
                (
                    Guess(
                        "train.runner",
                        GPU_LABELS,
                        f"{frameworks[0]} is a dependency and {use} uses a GPU",
                    ),
                )
            )
        why = f"{', '.join(frameworks)} is a dependency but no code uses CUDA or a GPU device"
    else:
        why = "no GPU framework (torch, jax, tensorflow) among the dependencies"
    return Detection(
        (Guess("train.runner", HOSTED_LABELS, f"{why}: GitHub-hosted runners"),),
        (Note("train.runner", SWITCH_TO_GPU),),
    )
