"""InviteSweep: the Telegram front, the domain services and the store."""
