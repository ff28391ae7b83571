"""Spec-driven fuzzing of the recording API (schemathesis) and a model-based test of its status machine."""

from conformance.fuzz._engine_run import run_engine
from conformance.fuzz._runner import run_fuzz
from conformance.fuzz._schema_loading import FuzzInputs, FuzzSettings, load_schema, read_contract
from conformance.fuzz._target import prepared_target

__all__ = [
    "FuzzInputs",
    "FuzzSettings",
    "load_schema",
    "prepared_target",
    "read_contract",
    "run_engine",
    "run_fuzz",
]
