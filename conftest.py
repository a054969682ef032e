"""In-process, the tests run the sources of the modules that ``pip install`` may compile
(logsleuth/compiled.py): doctests and the tests that spy on internals need them.
``tests/test_compiled.py`` holds the compiled modules, in a process of their own, to them."""

import os

os.environ["LOGSLEUTH_NO_COMPILED"] = "1"
