"""`python -m vm` is the `gdasm` command."""

import sys

from .cli import main

sys.exit(main())
