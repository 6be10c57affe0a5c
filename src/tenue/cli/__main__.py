import sys

from tenue.cli.main import main

sys.exit(main())
