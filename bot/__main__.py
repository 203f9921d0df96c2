"""`python -m bot` is the `invitesweep` command."""

from bot.cli import main

if __name__ == "__main__":
    main()
