"""`python -m genpro_desktop` starts the desktop app."""

from genpro_desktop.gui.app import main

raise SystemExit(main())
