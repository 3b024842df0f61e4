"""PyInstaller entry point of the bundled `genpro-desktop` executable."""

from genpro_desktop.gui.app import main

raise SystemExit(main())
