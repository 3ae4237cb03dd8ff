"""The Kivy user interface of the tablet app (see :mod:`field_app.ui.app` for the layout).

Modules without a Kivy import (:mod:`navigation`, :mod:`controller`, :mod:`texts`,
:mod:`editing`) hold the logic the screens use and are tested without a window.

Software OpenGL: on a machine without a GPU (a laptop or CI machine using Mesa's llvmpipe
renderer), llvmpipe rasterizes in a pool of worker threads by default. On two busy cores the
app's main thread then waited up to two seconds at the first text texture upload of a frame
(measured: tap on "Berikutnya" to next page drawn, median 557-620 ms; with rasterizing in the
calling thread, 11 ms). So unless the environment says otherwise, ``LP_NUM_THREADS=0`` is set
here, before any Kivy module can create the window; tablets' GPU drivers ignore it.
"""

import os

os.environ.setdefault("LP_NUM_THREADS", "0")
