"""The desktop app: the only package that imports PySide6 or qasync.

It adapts the Qt-free core to Qt models and widgets; widgets never do HTTP and never poll.
"""
