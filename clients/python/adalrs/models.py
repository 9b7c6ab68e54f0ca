"""The service's answers as TypedDicts, one per schema of ``/openapi.json``'s components (the
tests check that the keys and which of them are required agree with the document).

Numbers that may be non-finite (losses) arrive as floats or as the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``.
"""

from typing import Any, Dict, List, Optional, TypedDict, Union

LossValue = Union[float, str]


class Action(TypedDict, total=False):
    """``kind`` is ``continue``, ``snapshot``, ``restore`` or ``branch``; the others name
    snapshots (``saveAs`` only on ``branch``)."""

    kind: str
    snapshotId: str
    saveAs: str


class WindowStats(TypedDict):
    fromStep: int
    toStep: int
    v: float
    e: float
    mean: float


class Decision(TypedDict):
    """One LR decision with its evidence (more fields may follow the controller's revision)."""

    index: int
    rule: str
    window: Dict[str, Any]
    previous: Optional[WindowStats]
    reference: Optional[WindowStats]
    trial: Optional[WindowStats]
    n: int
    alpha: float
    beta: float
    mBefore: float
    mAfter: float
    nextStep: int
    lr: float
    action: Action


class LossesAnswer(TypedDict):
    """What to do next, after a losses post."""

    runId: str
    status: str
    nextStep: int
    lr: float
    multiplier: float
    action: Action
    windowEndsAt: int
    lrs: List[float]
    decision: Optional[Decision]
    dataStep: int
    keep: List[str]


class RunView(TypedDict):
    """A run as ``GET /v1/runs/{id}`` shows it."""

    id: str
    name: str
    mode: str
    status: str
    definition: Dict[str, Any]
    createdAt: str
    updatedAt: str
    seq: int
    controller: Dict[str, Any]
    lr: float
    multiplier: float
    progress: Dict[str, Any]
    lastLoss: Optional[LossValue]
    lastValLoss: Optional[LossValue]
    lastDecision: Optional[Decision]
    decisions: int
    worker: Optional[Dict[str, Any]]
    checkpoint: Optional[Dict[str, Any]]
    abandoned: List[List[int]]
    reason: Optional[str]


class CreatedRun(RunView, total=False):
    """The create answer; an external run's also carries its first window's plan."""

    nextStep: int
    action: Action
    windowEndsAt: int
    lrs: List[float]
    dataStep: int
    keep: List[str]


class _RunEvent(TypedDict):
    seq: int
    runId: str
    at: str
    type: str
    data: Dict[str, Any]


class RunEvent(_RunEvent, total=False):
    abandoned: bool


class EventPage(TypedDict):
    events: List[RunEvent]
    next: Optional[int]


class DecisionList(TypedDict):
    runId: str
    decisions: List[Dict[str, Any]]


class ReplayReport(TypedDict):
    runId: str
    overrides: Dict[str, Any]
    decisions: List[Dict[str, Any]]
    identical: int
    different: int
    resumes: List[Dict[str, Any]]
    final: Dict[str, Any]


class Curves(TypedDict):
    runId: str
    name: str
    status: str
    seq: int
    totalSteps: int
    points: Dict[str, int]
    train: Dict[str, List[float]]
    val: Dict[str, List[float]]
    lr: Dict[str, List[float]]
    markers: List[Dict[str, Any]]
    ruleColours: Dict[str, str]
    abandoned: List[Dict[str, Any]]


class Error(TypedDict):
    error: Dict[str, Any]


class Health(TypedDict):
    ok: bool


class RunList(TypedDict):
    runs: List[RunView]


class Examples(TypedDict):
    examples: List[Dict[str, Any]]


#: Every model, by the name of its schema in ``components.schemas``.
MODELS = {
    cls.__name__: cls
    for cls in (
        WindowStats,
        Decision,
        LossesAnswer,
        RunView,
        CreatedRun,
        RunEvent,
        EventPage,
        DecisionList,
        ReplayReport,
        Curves,
        Error,
        Health,
        RunList,
        Examples,
    )
}
