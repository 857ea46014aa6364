"""Ordering services: solo (embedded) now; NATS JetStream (consortium) to come."""
