"""`python -m mockserver ...`: the same command line as the `mockserver` script."""

from .cli import main

raise SystemExit(main())
