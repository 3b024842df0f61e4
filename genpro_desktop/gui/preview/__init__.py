"""The preview pane: its widgets and the presenter that feeds it from the Jobs panel.

Playback itself is `gui.player` (a facade with no widgets); this floor sits above both it and
`gui.widgets`, and neither of those imports it.
"""
