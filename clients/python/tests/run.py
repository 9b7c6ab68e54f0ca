"""Runs this package's tests for `deno task test` (tests/python/client.test.ts).

    python3 tests/run.py --list          # one test id per line
    python3 tests/run.py --json FILE     # run them all; FILE gets {id: {"ok", "detail"}}

One service is started for the whole run (see _service.py) and stopped at the end.
"""

import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def _ids(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from _ids(item)
        else:
            yield item.id()


class _Recorder(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = {}

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes[test.id()] = {"ok": True, "detail": ""}

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes[test.id()] = {"ok": False, "detail": self.failures[-1][1]}

    def addError(self, test, err):
        super().addError(test, err)
        detail = self.errors[-1][1]
        self.outcomes[getattr(test, "id", lambda: str(test))()] = {"ok": False, "detail": detail}

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes[test.id()] = {"ok": False, "detail": f"skipped: {reason}"}


def main():
    suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py",
                                                top_level_dir=os.path.dirname(HERE))
    if sys.argv[1:2] == ["--list"]:
        print("\n".join(_ids(suite)))
        return 0
    runner = unittest.TextTestRunner(resultclass=_Recorder, verbosity=2)
    result = runner.run(suite)
    if sys.argv[1:2] == ["--json"]:
        with open(sys.argv[2], "w") as out:
            json.dump(result.outcomes, out)
    return 0 if result.wasSuccessful() and not result.skipped else 1


if __name__ == "__main__":
    sys.exit(main())
