"""``python -m facefilter.tools.art``: redraw the built-in filters."""

import sys

from facefilter.tools.art.build import main

sys.exit(main())
