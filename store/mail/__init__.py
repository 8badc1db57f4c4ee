"""Email: a transactional outbox written with the change that causes a message, sent by a worker."""
