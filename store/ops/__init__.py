"""Operations: structured logs with a request id, and the /healthz probe."""
