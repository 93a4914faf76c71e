"""``python -m intertwine.show FOLDER`` renders the gallery (what ``make gallery`` runs)."""

import sys

from .gallery import main

sys.exit(main(sys.argv[1:]))
