import sys

from autoencoder.cli import main

sys.exit(main())
