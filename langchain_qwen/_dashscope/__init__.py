"""How to reach DashScope, for every client class: connection, clients, retry, SSE."""
