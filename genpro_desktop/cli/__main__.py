"""`python -m genpro_desktop.cli` runs the `genpro` command line."""

from genpro_desktop.cli.main import main

raise SystemExit(main())
