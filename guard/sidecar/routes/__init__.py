"""One module per endpoint family; :func:`guard.sidecar.app.create_app` mounts them all."""
