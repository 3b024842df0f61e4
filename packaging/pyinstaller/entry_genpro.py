"""PyInstaller entry point of the bundled `genpro` command-line executable."""

from genpro_desktop.cli.main import main

raise SystemExit(main())
