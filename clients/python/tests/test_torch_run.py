"""Real PyTorch runs against the service: the README's example as written, and a run with
snapshots on disk and a validation loss; each ends with every decision identical on replay."""

import os
import re
import subprocess
import tempfile
import unittest

try:
    import torch
except ImportError:
    torch = None

from adalrs import AdaLRS, Client

from ._service import REPO, service


def readme_example():
    """The Python block of the README's "PyTorch" section."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## PyTorch"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@unittest.skipIf(torch is None, "needs torch (Debian: python3-torch)")
class TorchRunTest(unittest.TestCase):
    def setUp(self):
        self.url, self.data = service()
        self.client = Client(self.url)
        self.addCleanup(self.client.close)

    def assert_replays_identical(self, run_id):
        view = self.client.get_run(run_id)
        self.assertEqual(view["status"], "completed")
        report = self.client.replay(run_id)
        self.assertGreater(report["identical"], 0)
        self.assertEqual(report["different"], 0)
        if self.data is not None:
            # The CLI re-derives every decision from the store file too (exit 1 if any differs).
            kv = os.path.join(self.data, "adalrs.kv")
            done = subprocess.run(
                ["npx", "-y", "deno@2.9.6", "task", "replay", run_id, "--kv", kv],
                cwd=REPO, capture_output=True, text=True, timeout=120,
            )
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            self.assertIn("identical", done.stdout)
        return view

    def test_the_readme_example_runs_as_written(self):
        code = readme_example().replace("http://127.0.0.1:8000", self.url)
        scope = {}
        exec(compile(code, "README.md", "exec"), scope)
        scope["ada"].client.close()
        view = self.assert_replays_identical(scope["ada"].run_id)
        self.assertEqual(view["progress"]["step"], view["progress"]["totalSteps"])

    def test_a_run_with_trials_snapshots_on_disk_and_a_validation_loss(self):
        torch.manual_seed(1)
        x = torch.randn(2048, 8)
        y = torch.sin(x @ torch.randn(8, 1))
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32,
                                             shuffle=True)
        model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Tanh(),
                                    torch.nn.Linear(32, 1))
        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
        actions = []
        with tempfile.TemporaryDirectory() as snapshots:
            ada = AdaLRS(model, optimizer, steps=400, client=self.client, store=snapshots,
                         schedule={"kind": "constant"},
                         adalrs={"window": 10, "searchStart": 0, "searchEnd": 1})
            for xb, yb in ada.batches(loader):
                loss = torch.nn.functional.mse_loss(model(xb), yb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                last = ada.step == 399
                with torch.no_grad():
                    val = torch.nn.functional.mse_loss(model(x[:256]), y[:256]) if last else None
                ada.report(loss, val_loss=val)
                actions.append(ada.answer["action"]["kind"] if "action" in ada.answer else "")
            self.assertEqual(os.listdir(snapshots), [], "every snapshot freed by the end")
        view = self.assert_replays_identical(ada.run_id)
        self.assertIsNotNone(view["lastValLoss"])
        self.assertIn("snapshot", actions, "the run made at least one trial")


if __name__ == "__main__":
    unittest.main()
