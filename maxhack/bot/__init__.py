"""The bot's inbound side: poller or webhook → inbox table → dispatcher → handlers."""
