"""ozonbot: an auto-responder with escalation for Ozon sellers."""

__version__ = "0.1.0"
