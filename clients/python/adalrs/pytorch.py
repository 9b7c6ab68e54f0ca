"""AdaLRS for a PyTorch training loop: the service decides the learning rate; this helper
applies it to the optimizer, saves, restores and frees model and optimizer state as the
answers say, and hands the loop the right batch for every step, replaying batches after a
``branch``.

    ada = AdaLRS(model, optimizer, steps=1000, url="http://127.0.0.1:8000")
    for x, y in ada.batches(loader):      # instead of `for x, y in loader`
        loss = loss_fn(model(x), y)
        optimizer.zero_grad(); loss.backward(); optimizer.step()
        ada.report(loss)                  # sets the next step's LR; applies the service's action
"""

import copy
import os
import re

from .client import Client


class AdaLRS:
    """Drives one external run of the adalrs service from a PyTorch loop.

    Args:
        model: the ``torch.nn.Module`` being trained.
        optimizer: its optimizer. Each param group's ``lr`` is set before every step to the
            service's LR times the group's ``lr_scale`` (1 when absent). Do not also run an LR
            scheduler: the run's ``schedule`` is the base schedule.
        steps: total training steps (when the helper creates the run).
        lr: peak LR of the schedule; default: the optimizer's first param group's ``lr``.
        schedule, adalrs, name, tags: the run definition's fields of those names.
        url, token, client: the service; pass ``client`` to share one ``Client``.
        run: an existing external run (its id, or the create answer) instead of a new one.
        store: where snapshots live: ``"memory"`` (a copy on the tensors' own device),
            ``"cpu"`` (a copy in host memory), or a directory path (``torch.save`` files).
        rng: also snapshot torch's CPU random state, so that dropout replays after a restore.
    """

    def __init__(self, model, optimizer, steps=None, *, lr=None, schedule=None, adalrs=None,
                 name=None, tags=None, url="http://127.0.0.1:8000", token=None, client=None,
                 run=None, store="memory", rng=True):
        self.model = model
        self.optimizer = optimizer
        self.client = client if client is not None else Client(url, token=token)
        self.store = _store(store)
        self.rng = rng
        if run is None:
            if steps is None:
                raise ValueError("AdaLRS needs steps (total training steps) to create a run")
            definition = {
                "mode": "external",
                "training": {"steps": steps},
                "optimizer": {"lr": lr if lr is not None else optimizer.param_groups[0]["lr"]},
            }
            for key, value in (("name", name), ("schedule", schedule), ("adalrs", adalrs),
                               ("tags", tags)):
                if value is not None:
                    definition[key] = value
            run = self.client.create_run(definition)
        elif isinstance(run, str):
            run = self.client.get_run(run)
        if run.get("mode") != "external":
            raise ValueError(f"run {run.get('id')} is {run.get('mode')}; AdaLRS drives external "
                             "runs only")
        self.run_id = run["id"]
        self.total_steps = run["definition"]["training"]["steps"]
        #: The step the loop trains next, and the data position of its batch.
        self.step = run["controller"]["nextStep"]
        self.data_step = self.step
        #: The last answer of the service.
        self.answer = run
        self.done = run["status"] in ("completed", "failed", "cancelled")
        self._pending = []
        self._pending_refs = []  # reference losses of the same steps, None where not reported
        self._snapshots = {}  # id -> data step at which it was taken
        self._source = None
        self._cache = {}
        self._drawn = 0
        self._reported = True
        if "lrs" in run:
            self._plan(run)
        else:
            # An existing run's view: the LR for its next step, the window still unknown.
            self._from, self._lrs, self._window_end = self.step, [run["lr"]], self.step
        self._set_lr(self._lrs[0])

    # The loop

    @property
    def lr(self):
        """The learning rate of the step the loop trains next."""
        return self._lrs[self.step - self._from] if self._lrs else None

    def batches(self, source):
        """The batches to train on, one per step, until the run's last step.

        Args:
            source: an iterable of batches (a ``DataLoader``: iterated again when it ends, for
                the next epoch), an iterator, or a function ``batch_for(data_step)``. From an
                iterable the helper keeps the batches drawn since the oldest snapshot it holds,
                so that after a ``branch`` the same batches come again.
        """
        self._source = source
        self._iterator = None
        while not self.done:
            if not self._reported:
                raise RuntimeError("call report(loss) once for every batch before the next one")
            batch = self._batch(self.data_step)
            self._reported = False
            yield batch

    def report(self, loss, val_loss=None, ref_loss=None):
        """Records the loss of the step just trained; at the end of a window, posts the losses
        and applies the answer (LR, snapshot / restore / branch, snapshots to free).

        Args:
            loss: a float or a one-element tensor (NaN and infinities are fine).
            val_loss: a validation loss measured after this step; posted at once.
            ref_loss: a fixed reference model's loss on the same batch (a bigram model, say),
                for a run with ``controlVariate`` on; a window posts them only if every step
                has one.
        """
        if self.done:
            raise RuntimeError(f"run {self.run_id} has ended; no more losses")
        self._reported = True
        # A tensor is read when the window is posted: one device sync per window, not per step.
        self._pending.append(loss.detach() if hasattr(loss, "detach") else float(loss))
        self._pending_refs.append(None if ref_loss is None else float(ref_loss))
        self.step += 1
        self.data_step += 1
        if self.step > self._window_end or self.step >= self.total_steps or val_loss is not None:
            self.flush(val_loss)
        else:
            self._set_lr(self.lr)

    def flush(self, val_loss=None):
        """Posts the losses not yet posted and applies the answer."""
        if not self._pending and val_loss is None:
            return None
        from_step = self.step - len(self._pending)
        refs = self._pending_refs
        extra = {"ref_losses": refs} if refs and None not in refs else {}
        answer = self.client.post_losses(self.run_id, from_step, self._pending,
                                         val_loss=val_loss, **extra)
        self._pending = []
        self._pending_refs = []
        self.apply(answer)
        return answer

    def apply(self, answer):
        """Applies a losses answer: the action, the snapshots to keep, the LRs ahead."""
        action = answer["action"]
        kind = action["kind"]
        if kind == "snapshot":
            self._save(action["snapshotId"])
        elif kind == "restore":
            self._load(action["snapshotId"])
        elif kind == "branch":
            self._save(action["saveAs"])
            self._load(action["snapshotId"])
        elif kind != "continue":
            raise ValueError(f"unknown action {kind!r} from the service: update adalrs")
        keep = answer.get("keep")
        if keep is None:
            # Services before `keep`: a snapshot serves one trial, which a restore or the next
            # trial's snapshot ends; until then (a verdict may come windows later) hold it.
            keep = {"snapshot": [action.get("snapshotId")], "restore": []}.get(
                kind, list(self._snapshots))
        self.done = answer["status"] != "running" or answer["nextStep"] >= self.total_steps
        if self.done:
            keep = []  # nothing is restored after the last step
        for snapshot_id in [s for s in self._snapshots if s not in keep]:
            self.store.drop(snapshot_id)
            del self._snapshots[snapshot_id]
        self.answer = answer
        self.step = answer["nextStep"]
        self.data_step = answer.get("dataStep", answer["nextStep"])
        self._plan(answer)
        self._evict()
        if self._lrs:
            self._set_lr(self._lrs[0])

    @property
    def snapshots(self):
        """Ids of the snapshots held now."""
        return list(self._snapshots)

    # State

    def _save(self, snapshot_id):
        state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}
        if self.rng:
            import torch

            state["rng"] = torch.get_rng_state()
        self.store.save(snapshot_id, state)
        self._snapshots[snapshot_id] = self.data_step

    def _load(self, snapshot_id):
        if snapshot_id not in self._snapshots:
            raise RuntimeError(f"the service asked to load snapshot {snapshot_id!r}, which this "
                               f"trainer does not hold (held: {self.snapshots})")
        state = self.store.load(snapshot_id)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if "rng" in state:
            import torch

            torch.set_rng_state(state["rng"])

    def _plan(self, answer):
        self._from = answer["nextStep"]
        self._lrs = list(answer.get("lrs") or [answer["lr"]])
        self._window_end = answer.get("windowEndsAt", self._from)

    def _set_lr(self, lr):
        if lr is None:
            return
        for group in self.optimizer.param_groups:
            group["lr"] = lr * group.get("lr_scale", 1.0)

    # Batches

    def _batch(self, data_step):
        if callable(self._source) and not hasattr(self._source, "__iter__"):
            return self._source(data_step)
        if data_step in self._cache:
            return self._cache[data_step]
        if data_step < self._drawn:
            raise RuntimeError(f"the batch of data step {data_step} is no longer cached; pass "
                               "batches(batch_for) to draw batches by position")
        while self._drawn <= data_step:
            batch = self._draw()
            self._cache[self._drawn] = batch
            self._drawn += 1
        batch = self._cache[data_step]
        self._evict()
        return batch

    def _draw(self):
        if self._iterator is None:
            self._iterator = iter(self._source)
        try:
            return next(self._iterator)
        except StopIteration:
            if iter(self._source) is self._source:
                raise RuntimeError(f"the batch iterator ended at data step {self._drawn}, "
                                   f"before the run's {self.total_steps} steps") from None
            self._iterator = iter(self._source)  # the next epoch
            return next(self._iterator)

    def _evict(self):
        # Keep what a branch may go back to: batches from the oldest held snapshot's position.
        oldest = min([self.data_step, *self._snapshots.values()])
        for key in [k for k in self._cache if k < oldest]:
            del self._cache[key]


class _MemoryStore:
    """Snapshots as copies in memory, on the tensors' device or moved to ``device``."""

    def __init__(self, device=None):
        self.device = device
        self._held = {}

    def save(self, snapshot_id, state):
        self._held[snapshot_id] = _copy(state, self.device)

    def load(self, snapshot_id):
        return self._held[snapshot_id]

    def drop(self, snapshot_id):
        self._held.pop(snapshot_id, None)


class _DiskStore:
    """Snapshots as ``torch.save`` files in a directory."""

    def __init__(self, directory):
        self.directory = os.fspath(directory)
        os.makedirs(self.directory, exist_ok=True)

    def _file(self, snapshot_id):
        return os.path.join(self.directory, re.sub(r"[^A-Za-z0-9_.-]", "_", snapshot_id) + ".pt")

    def save(self, snapshot_id, state):
        import torch

        torch.save(state, self._file(snapshot_id))

    def load(self, snapshot_id):
        import torch

        return torch.load(self._file(snapshot_id))

    def drop(self, snapshot_id):
        try:
            os.remove(self._file(snapshot_id))
        except FileNotFoundError:
            pass


def _store(store):
    if store == "memory":
        return _MemoryStore()
    if store == "cpu":
        return _MemoryStore("cpu")
    if isinstance(store, (str, os.PathLike)):
        return _DiskStore(store)
    raise ValueError(f"store must be 'memory', 'cpu' or a directory, got {store!r}")


def _copy(state, device):
    """A deep copy of a state dict whose tensors are cloned (and moved to ``device``)."""
    import torch

    if isinstance(state, torch.Tensor):
        out = state.detach().clone()
        return out.to(device) if device is not None else out
    if isinstance(state, dict):
        return {k: _copy(v, device) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(_copy(v, device) for v in state)
    return copy.deepcopy(state)
