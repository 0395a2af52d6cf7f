from pathlib import Path

from tests.runners.runner_fakes import BANNER, DRIVER_FAILED, ONE_GPU, TWO_GPUS

from mlci.runners.nvidia import parse_cuda_version, parse_query, query_gpus


def test_parse_query_reads_every_field_and_skips_junk():
    gpus = parse_query("\n" + TWO_GPUS + "garbage line\n")
    assert [g.name for g in gpus] == ["Tesla T4", "NVIDIA A100-SXM4-40GB"]
    t4, a100 = gpus
    assert (t4.index, t4.uuid, t4.memory_total_mib, t4.memory_used_mib) == (0, "GPU-aaaa", 15360, 0)
    assert (a100.utilization_percent, a100.driver_version) == (87, "535.104.05")
    # Decimal GB: a "16 GB" T4 reports 15360 MiB.
    assert t4.memory_total_gb == 16.1
    assert a100.label() == "GPU 1 (NVIDIA A100-SXM4-40GB, 42.9 GB)"


def test_parse_query_turns_not_available_into_none():
    (gpu,) = parse_query("0, NVIDIA A100 MIG 1g.5gb, [N/A], 4864, [N/A], [Not Supported], 550.1\n")
    assert gpu.uuid is None and gpu.memory_used_mib is None and gpu.utilization_percent is None
    assert gpu.memory_total_mib == 4864


def test_cuda_version_comes_from_the_banner():
    assert parse_cuda_version(BANNER) == "13.0"
    assert parse_cuda_version("no banner") is None


def test_one_gpu(fake_smi):
    report = query_gpus(search_path=str(fake_smi(ONE_GPU)))
    assert report.error is None
    assert [g.name for g in report.gpus] == ["NVIDIA H200"]
    assert report.gpus[0].memory_total_gb == 150.8
    assert (report.driver_version, report.cuda_version) == ("580.159.03", "13.0")
    assert report.nvidia_smi is not None and report.nvidia_smi.endswith("nvidia-smi")


def test_two_gpus(fake_smi):
    report = query_gpus(search_path=str(fake_smi(TWO_GPUS)))
    assert [g.index for g in report.gpus] == [0, 1]
    assert report.driver_version == "535.104.05"


def test_failing_driver_is_reported_not_raised(fake_smi):
    report = query_gpus(search_path=str(fake_smi(DRIVER_FAILED, exit_code=9)))
    assert report.gpus == ()
    assert report.error == (
        "nvidia-smi failed (exit 9): NVIDIA-SMI has failed because it couldn't communicate "
        "with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."
    )


def test_driver_without_gpus(fake_smi):
    report = query_gpus(search_path=str(fake_smi("No devices were found\n", exit_code=6)))
    assert report.error == "nvidia-smi failed (exit 6): No devices were found"


def test_empty_listing_means_no_gpu(fake_smi):
    report = query_gpus(search_path=str(fake_smi("")))
    assert report.error == "nvidia-smi lists no GPUs"


def test_no_nvidia_smi_at_all(tmp_path: Path):
    report = query_gpus(search_path=str(tmp_path))
    assert report == report.__class__(
        nvidia_smi=None, error="nvidia-smi is not on PATH: no NVIDIA driver installed"
    )


def test_banner_failure_keeps_the_gpus(fake_smi):
    report = query_gpus(search_path=str(fake_smi(ONE_GPU, banner="")))
    assert len(report.gpus) == 1 and report.cuda_version is None
