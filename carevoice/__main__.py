"""`python -m carevoice`: the same command line as `carevoice`."""

from carevoice.cli import main

if __name__ == "__main__":
    main()
