"""The Kivy user interface of the tablet app (see :mod:`field_app.ui.app` for the layout).

Modules without a Kivy import (:mod:`navigation`, :mod:`controller`, :mod:`texts`,
:mod:`editing`) hold the logic the screens use and are tested without a window.
"""
