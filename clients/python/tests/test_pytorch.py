"""The AdaLRS helper against canned answers: every action, `keep`, LRs and batch replay."""

import tempfile
import unittest

try:
    import torch
except ImportError:  # the CI installs python3-torch; without it these tests report a skip
    torch = None

from adalrs import AdaLRS


def plan(next_step, window_end, lr=0.1, action=None, keep=None, data_step=None,
         status="running"):
    answer = {
        "runId": "r",
        "status": status,
        "nextStep": next_step,
        "lr": lr,
        "multiplier": 1,
        "action": action or {"kind": "continue"},
        "windowEndsAt": window_end,
        "lrs": [lr + 0.001 * i for i in range(window_end - next_step + 1)],
        "decision": None,
    }
    if keep is not None:
        answer["keep"] = keep
    if data_step is not None:
        answer["dataStep"] = data_step
    return answer


class CannedClient:
    """Answers posts from a script and records them."""

    def __init__(self, steps, answers):
        self.steps = steps
        self.answers = list(answers)
        self.posts = []
        self.refs = []

    def create_run(self, definition):
        self.definition = definition
        first = plan(0, 3)
        return {**first, "id": "r", "mode": "external", "status": "running",
                "definition": definition, "controller": {"nextStep": 0}}

    def post_losses(self, run_id, from_step, losses, idempotency_key=None, val_loss=None,
                    ref_losses=None):
        self.posts.append((from_step, list(losses), val_loss))
        self.refs.append(ref_losses)
        return self.answers.pop(0)


@unittest.skipIf(torch is None, "needs torch (Debian: python3-torch)")
class AdaLRSTest(unittest.TestCase):
    def make(self, answers, steps=12, **kwargs):
        torch.manual_seed(0)
        model = torch.nn.Linear(2, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        client = CannedClient(steps, answers)
        ada = AdaLRS(model, optimizer, steps, client=client, **kwargs)
        return ada, model, optimizer, client

    def train(self, ada, model, optimizer, source, limit=100):
        seen = []
        for batch in ada.batches(source):
            seen.append((ada.step, ada.data_step, batch, optimizer.param_groups[0]["lr"]))
            loss = model(torch.tensor([[float(batch), 1.0]])).sum() ** 2
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            after = [p.detach().clone() for p in model.parameters()]
            seen[-1] = (*seen[-1], after)  # the state the step left, before report applies
            ada.report(loss)
            if len(seen) >= limit:
                break
        return seen

    def test_creates_the_run_and_applies_each_step_lr_posting_once_per_window(self):
        ada, model, optimizer, client = self.make([plan(4, 7, lr=0.2), plan(8, 11, lr=0.3),
                                                   plan(12, 12, status="completed")])
        seen = self.train(ada, model, optimizer, range(100))
        self.assertEqual(client.definition["optimizer"], {"lr": 0.5})
        self.assertEqual([s[0] for s in seen], list(range(12)))
        self.assertEqual([round(s[3], 6) for s in seen[:5]], [0.1, 0.101, 0.102, 0.103, 0.2])
        self.assertEqual([p[0] for p in client.posts], [0, 4, 8])
        self.assertTrue(ada.done)

    def test_snapshot_then_restore_puts_model_and_optimizer_back(self):
        ada, model, optimizer, client = self.make([
            plan(4, 7, action={"kind": "snapshot", "snapshotId": "s1"}),
            plan(8, 11, action={"kind": "restore", "snapshotId": "s1"}, keep=[]),
        ])
        seen = self.train(ada, model, optimizer, range(100), limit=4)
        at_snapshot = [p.detach().clone() for p in model.parameters()]
        self.assertEqual(ada.snapshots, ["s1"])
        self.train(ada, model, optimizer, range(100), limit=4)
        for before, now in zip(at_snapshot, model.parameters()):
            self.assertTrue(torch.equal(before, now))
        self.assertEqual(ada.snapshots, [], "keep=[] frees s1")
        self.assertEqual((ada.step, ada.data_step), (8, 8))
        self.assertEqual([s[2] for s in seen], [0, 1, 2, 3])

    def test_branch_saves_the_current_state_and_replays_the_same_batches(self):
        ada, model, optimizer, client = self.make([
            plan(4, 7, action={"kind": "snapshot", "snapshotId": "s1"}, keep=["s1"]),
            plan(8, 11, action={"kind": "branch", "snapshotId": "s1", "saveAs": "t1"},
                 keep=["s1", "t1"], data_step=4),
            plan(12, 15, action={"kind": "restore", "snapshotId": "t1"}, keep=[], data_step=8),
        ], steps=20)
        batches = iter(range(1000))  # an iterator: the helper must cache what it replays
        self.train(ada, model, optimizer, batches, limit=4)
        first = self.train(ada, model, optimizer, batches, limit=4)
        trial_end = first[-1][4]
        second = self.train(ada, model, optimizer, batches, limit=4)
        self.assertEqual([s[2] for s in first], [4, 5, 6, 7])
        self.assertEqual([s[2] for s in second], [4, 5, 6, 7], "the same batches after branch")
        self.assertEqual([s[0] for s in second], [8, 9, 10, 11], "compute steps go on")
        self.assertEqual(sorted(ada.snapshots), [])
        for saved, now in zip(trial_end, model.parameters()):
            self.assertTrue(torch.equal(saved, now), "restore t1: the branch's saved state")
        third = self.train(ada, model, optimizer, batches, limit=1)
        self.assertEqual(third[0][:3], (12, 8, 8), "data continues after the trial's batches")
        self.assertEqual([s[2] for s in self.train(ada, model, optimizer, batches, limit=2)],
                         [9, 10])

    def test_keep_frees_snapshots_and_the_cache_follows_the_oldest_held(self):
        with tempfile.TemporaryDirectory() as directory:
            ada, model, optimizer, client = self.make([
                plan(4, 7, action={"kind": "snapshot", "snapshotId": "a"}, keep=["a"]),
                plan(8, 11, action={"kind": "snapshot", "snapshotId": "b"}, keep=["a", "b"]),
                plan(12, 15, keep=["b"]),
            ], steps=20, store=directory)
            self.train(ada, model, optimizer, range(100), limit=8)
            self.assertEqual(sorted(ada.snapshots), ["a", "b"])
            self.assertEqual(min(ada._cache), 4, "batches from snapshot a's position are held")
            self.train(ada, model, optimizer, range(100), limit=4)
            self.assertEqual(ada.snapshots, ["b"])
            self.assertEqual(min(ada._cache), 8)
            import os

            self.assertEqual(os.listdir(directory), ["b.pt"])

    def test_without_keep_a_snapshot_is_held_until_its_restore(self):
        ada, model, optimizer, client = self.make([
            plan(4, 7, action={"kind": "snapshot", "snapshotId": "s"}),
            plan(8, 11),
            plan(12, 15, action={"kind": "restore", "snapshotId": "s"}),
        ], steps=20)
        self.train(ada, model, optimizer, range(100), limit=8)
        self.assertEqual(ada.snapshots, ["s"])
        self.train(ada, model, optimizer, range(100), limit=4)
        self.assertEqual(ada.snapshots, [])

    def test_batch_for_and_val_loss(self):
        ada, model, optimizer, client = self.make([plan(2, 3), plan(4, 7)])
        for batch in ada.batches(lambda data_step: data_step * 10):
            ada.report(1.0, val_loss=0.5 if ada.step == 1 else None)
            if ada.step == 4:
                break
        self.assertEqual(client.posts, [(0, [1.0, 1.0], 0.5), (2, [1.0, 1.0], None)])

    def test_reference_losses_are_posted_when_every_step_of_the_window_has_one(self):
        ada, model, optimizer, client = self.make([plan(4, 7), plan(8, 11)])
        for batch in ada.batches(lambda data_step: data_step * 10):
            ada.report(1.0, ref_loss=None if ada.step == 5 else 2.0 + ada.step)
            if ada.step == 8:
                break
        self.assertEqual(client.refs, [[2.0, 3.0, 4.0, 5.0], None])

    def test_an_unknown_action_or_snapshot_is_a_clear_error(self):
        ada, model, optimizer, client = self.make([
            plan(4, 7, action={"kind": "restore", "snapshotId": "ghost"}),
        ])
        with self.assertRaisesRegex(RuntimeError, "ghost"):
            self.train(ada, model, optimizer, range(100), limit=4)
        ada, model, optimizer, client = self.make([plan(4, 7, action={"kind": "teleport"})])
        with self.assertRaisesRegex(ValueError, "teleport"):
            self.train(ada, model, optimizer, range(100), limit=4)

    def test_a_step_without_report_is_refused(self):
        ada, model, optimizer, client = self.make([])
        loop = ada.batches(range(100))
        next(loop)
        with self.assertRaisesRegex(RuntimeError, "report"):
            next(loop)


if __name__ == "__main__":
    unittest.main()
