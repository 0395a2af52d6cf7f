"""Canned nvidia-smi answers and a stand-in torch package for the runner tests."""

BANNER = """\
Thu Nov 27 10:00:00 2026
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 580.159.03             Driver Version: 580.159.03     CUDA Version: 13.0     |
|-----------------------------------------+------------------------+----------------------+
"""
ONE_GPU = "0, NVIDIA H200, GPU-6f1c2a8e, 143771, 512, 3, 580.159.03\n"
TWO_GPUS = (
    "0, Tesla T4, GPU-aaaa, 15360, 0, 0, 535.104.05\n"
    "1, NVIDIA A100-SXM4-40GB, GPU-bbbb, 40960, 1024, 87, 535.104.05\n"
)
DRIVER_FAILED = (
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
    "Make sure that the latest NVIDIA driver is installed and running.\n"
)

FAKE_TORCH = """\
__version__ = "2.99.0+cu130"


class version:
    cuda = "13.0"


class _Tensor:
    def __mul__(self, other):
        return self

    def sum(self):
        return self

    def item(self):
        return 16.0


class cuda:
    @staticmethod
    def is_available():
        return True

    @staticmethod
    def device_count():
        return 2

    @staticmethod
    def get_device_name(index):
        return "NVIDIA H200"


def device(kind, index):
    return (kind, index)


def ones(size, device=None):
    if KERNEL_ERROR:
        raise RuntimeError(KERNEL_ERROR)
    return _Tensor()
"""
