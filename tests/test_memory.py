"""A worker running many replicates must not keep models alive: Mesa 3.3.1 holds every model in
the class-level registry `mesa.Agent._ids` unless it is released (design.md, Mesa issue 3179)."""

from __future__ import annotations

import gc
import weakref

import mesa
import pytest
from conftest import small_scenario

import sim.batch
from sim.batch import make_tasks, run_task
from sim.model import IPCModel


def registered_models() -> set[int]:
    return {id(key) for key in mesa.Agent._ids if isinstance(key, IPCModel)}


@pytest.fixture
def tracked_models(monkeypatch) -> list[weakref.ref]:
    """Weak references to every model `run_task` builds."""
    refs: list[weakref.ref] = []

    class TrackedModel(IPCModel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            refs.append(weakref.ref(self))

    monkeypatch.setattr(sim.batch, "IPCModel", TrackedModel)
    return refs


def test_run_task_leaves_no_model_in_mesas_agent_registry(tracked_models):
    already = registered_models()  # left by other tests; not this test's concern
    tasks = make_tasks([small_scenario(size=1000, days=20)], reps=4, root_seed=0)

    for task in tasks:
        frame = run_task(task).daily
        assert len(frame) == 20
        assert registered_models() <= already

    assert len(tracked_models) == 4


def test_models_run_by_run_task_are_garbage_collected(tracked_models):
    tasks = make_tasks([small_scenario(size=1000, days=20)], reps=4, root_seed=0)

    for task in tasks:
        run_task(task)
    gc.collect()

    assert len(tracked_models) == 4
    assert all(ref() is None for ref in tracked_models)


def test_a_released_model_is_garbage_collected():
    model = IPCModel(small_scenario(size=1000, days=10), root_seed=0)
    model.run()
    assert model in mesa.Agent._ids
    ref = weakref.ref(model)

    model.release()
    del model
    gc.collect()

    assert ref() is None


def test_an_unreleased_model_is_kept_alive_by_mesa():
    """Why release() exists: documents the Mesa 3.3.1 leak the batch runner works around."""
    model = IPCModel(small_scenario(size=1000, days=10), root_seed=0)
    ref = weakref.ref(model)
    del model
    gc.collect()

    leaked = ref()
    assert leaked is not None
    leaked.release()
