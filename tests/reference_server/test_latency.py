"""Config latency_ms: every request waits that long first, like a slow target (bench/latency.py uses it)."""

import time

import pytest
import requests
from reference_helpers import RunningServer

from reference_server.config import ConfigError, parse_config


def test_latency_defaults_to_none_and_is_validated():
    assert parse_config({}).latency_ms == 0
    assert parse_config({"latency_ms": 150}).latency_ms == 150
    for bad in (-1, 1.5, "150", True, 60_001):
        with pytest.raises(ConfigError, match="latency_ms must be an integer 0-60000"):
            parse_config({"latency_ms": bad})


def test_a_request_waits_the_latency(tmp_path):
    running = RunningServer(tmp_path / "data", {"latency_ms": 300}).start()
    try:
        url = running.url + "ocs/v2.php/cloud/capabilities"
        headers = {"OCS-APIRequest": "true", "Accept": "application/json"}
        began = time.monotonic()
        response = requests.get(url, headers=headers, timeout=10)
        elapsed = time.monotonic() - began
    finally:
        running.stop()
    assert response.status_code == 200 and elapsed >= 0.3
