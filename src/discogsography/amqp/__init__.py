"""What crosses RabbitMQ: the topology and the message envelopes (docs/messages.md)."""
