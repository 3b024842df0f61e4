"""The Qt-free core shared by the desktop app and the CLI."""
