"""The HTTP layer: app factory, routing, middleware, authentication, rendering."""
