"""Run the model-based test of the recording status machine and report it like the engine phases."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hypothesis.errors import HypothesisException
from hypothesis.stateful import run_state_machine_as_test

from conformance.fuzz._replay import FailureRecord
from conformance.fuzz._state_model import ModelEnvironment, RecordingModel, machine_for, model_settings
from conformance.outcomes import SetupError
from conformance.reports import JUnitCase


@dataclass
class ModelResult:
    """Outcome of the model-based test."""

    junit: JUnitCase
    failures: list[FailureRecord] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0


def run_model(
    environment: ModelEnvironment,
    *,
    examples: int,
    steps: int,
    seed: int,
    derandomize: bool,
    model_class: type[RecordingModel] = RecordingModel,
) -> ModelResult:
    """Drive random sequences against fresh rooms; a mismatch with the model is a failure."""
    case = JUnitCase(name="recording status machine [model]", classname="fuzz.model")
    result = ModelResult(junit=case)
    started = time.monotonic()
    machine = machine_for(environment, None if derandomize else seed, model_class)
    try:
        run_state_machine_as_test(machine, settings=model_settings(examples, steps, derandomize=derandomize))
    except SetupError as error:
        case.errors.append(f"setup failed during the model-based test: {error}")
    except (AssertionError, HypothesisException, OSError) as error:
        # The transcript ends with the shrunk failing sequence (Hypothesis replays it last).
        transcript = "\n".join(environment.transcript[-40:])
        message = f"{type(error).__name__}: {error}"
        case.failures.append(f"{message}\n\nlast steps:\n{transcript}")
        result.failures.append(
            FailureRecord(
                source="state-model",
                operation="recording status machine",
                phase="model",
                check="model_agreement",
                message=message,
                seed=seed,
                curl="\n".join(line for line in environment.transcript if line.startswith("curl ")) or "",
            )
        )
    result.steps = sum(1 for line in environment.transcript if not line.startswith("new room"))
    result.seconds = time.monotonic() - started
    case.seconds = result.seconds
    return result
