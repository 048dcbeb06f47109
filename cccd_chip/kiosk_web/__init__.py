"""The kiosk web screen (``cccd kiosk``, issue 16): a local page that shows what the chip said.

- :mod:`.catalogue`  the texts (Vietnamese and English, one file: ``static/messages.json``)
- :mod:`.view`       a read + its report -> what the screen shows (holder data, face, verdict in words)
- :mod:`.screen`     the screen's state machine, fed by the kiosk loop's callbacks, pushed to the page
- :mod:`.sources`    virtual cards presented one after another; card presence while the CAN is typed
- :mod:`.app`        the ASGI app (FastAPI on Starlette): the static page, Server-Sent Events, the keypad
- :mod:`.server`     the kiosk loop in a worker thread + uvicorn on loopback

The page is static (``static/``: HTML, CSS, a little JavaScript; no build step, no CDN) and
shipped as package data. Every string from the card reaches the page as JSON data and is
written with ``textContent`` only.
"""

from __future__ import annotations

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8788
DEFAULT_CLEAR_AFTER = 60.0
