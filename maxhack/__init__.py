"""maxhack: the backend of «MAX Уведомления» — a MAX bot and WebApp API for team reminders."""

__version__ = "0.1.0"
