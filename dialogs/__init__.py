"""Transport-neutral conversations: event model, engine, one module per flow."""
